/**
 * uuid4-to-ulid as a jscodeshift transform:
 * `npx jscodeshift -t transforms/uuid4-to-ulid.ts --extensions=py <dir>`.
 * The transform is in src/transforms/, where the CLI loads it without this adapter (and zod).
 */
import { jscodeshiftAdapter } from "../src/engine/jscodeshift.ts";
import { plugin } from "../src/transforms/uuid4-to-ulid.ts";

export { plugin };
export default jscodeshiftAdapter(plugin);
