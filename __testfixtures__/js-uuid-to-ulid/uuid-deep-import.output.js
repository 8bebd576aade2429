const { ulid } = require("ulid");

module.exports.newJobId = () => `job_${ulid()}`;
