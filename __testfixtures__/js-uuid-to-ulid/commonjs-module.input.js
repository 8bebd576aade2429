const uuid = require("uuid");

const NAMESPACE = "1b671a64-40d5-491e-99b0-da01ff1f3341";

module.exports = {
  newId: () => uuid.v4(),
  stableId: (name) => uuid.v5(name, NAMESPACE),
};
