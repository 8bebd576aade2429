const uuid = require("uuid");
const { ulid } = require("ulid");

const NAMESPACE = "1b671a64-40d5-491e-99b0-da01ff1f3341";

module.exports = {
  newId: () => ulid(),
  stableId: (name) => uuid.v5(name, NAMESPACE),
};
