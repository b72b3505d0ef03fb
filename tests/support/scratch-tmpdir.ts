/**
 * Each test file gets its own temporary directory, removed when the file's tests end: the
 * scratch stack files, synth outputs and work directories the tests make leave nothing behind.
 * Jest hands a test file a copy of `process.env` while `os` reads the real one, so the copy's
 * TMPDIR reaches the processes the tests start and `os.tmpdir()` is pointed there itself.
 * `KEEP_E2E_DIR=1` keeps the directory, for reading the processes' logs after a run.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "jest-"));
process.env.TMPDIR = scratch;
// The module itself: an `import * as` namespace is a copy whose properties cannot be replaced.
const tmpdir = jest.spyOn(require("os") as typeof os, "tmpdir").mockReturnValue(scratch);

afterAll(() => {
  tmpdir.mockRestore();
  if (process.env.KEEP_E2E_DIR) console.log(`kept the test file's temporary directory ${scratch}`);
  else fs.rmSync(scratch, { recursive: true, force: true });
});
