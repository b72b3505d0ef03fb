/** `npm run synth`: the offline synth of every stack file (synth/synth.ts); `--help` for the options. */
import { runCli } from "../synth/synth";

void runCli(process.argv.slice(2)).then((code) => process.exit(code));
