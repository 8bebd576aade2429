"use strict";

const fs = require("fs");

exports.writeMarker = function writeMarker(dir) {
  const marker = { id: require("uuid").v4(), at: Date.now() };
  fs.writeFileSync(dir + "/marker.json", JSON.stringify(marker));
  return marker.id;
};
