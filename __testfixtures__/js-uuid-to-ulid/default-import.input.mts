import uuid from 'uuid'
import { readFile } from 'node:fs/promises'

export async function load(path: string) {
  const body = await readFile(path, 'utf8')
  return { requestId: uuid.v4(), body }
}
