const path = require('path')
const { ulid } = require('ulid')

function artifactName(dir) {
  return path.join(dir, `artifact-${ulid()}.json`)
}

module.exports = { artifactName }
