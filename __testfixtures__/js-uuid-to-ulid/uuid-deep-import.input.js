const uuidv4 = require("uuid/v4");

module.exports.newJobId = () => `job_${uuidv4()}`;
