import { ulid } from 'ulid'
import { readFile } from 'node:fs/promises'

export async function load(path: string) {
  const body = await readFile(path, 'utf8')
  return { requestId: ulid(), body }
}
