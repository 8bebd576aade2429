const path = require('path')
const { v4: uuidv4 } = require('uuid')

function artifactName(dir) {
  return path.join(dir, `artifact-${uuidv4()}.json`)
}

module.exports = { artifactName }
