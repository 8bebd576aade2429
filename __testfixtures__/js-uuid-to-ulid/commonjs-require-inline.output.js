"use strict";

const fs = require("fs");
const { ulid } = require("ulid");

exports.writeMarker = function writeMarker(dir) {
  const marker = { id: ulid(), at: Date.now() };
  fs.writeFileSync(dir + "/marker.json", JSON.stringify(marker));
  return marker.id;
};
