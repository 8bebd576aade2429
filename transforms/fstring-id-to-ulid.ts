/**
 * fstring-id-to-ulid as a jscodeshift transform:
 * `npx jscodeshift -t transforms/fstring-id-to-ulid.ts --extensions=py <dir> --target=session_id`.
 * The transform is in src/transforms/, where the CLI loads it without this adapter (and zod).
 */
import { jscodeshiftAdapter } from "../src/engine/jscodeshift.ts";
import { plugin } from "../src/transforms/fstring-id-to-ulid.ts";

export { plugin };
export default jscodeshiftAdapter(plugin);
