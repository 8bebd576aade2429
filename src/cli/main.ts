export async function main(argv: string[]): Promise<number> {
  console.log("hello", argv.length);
  return 0;
}
