/**
 * Preloaded into every test process by the package.json test scripts (`--import`).
 *
 * `--test-force-exit` (kept so that a test file whose failure leaves a node process or server behind goes
 * red instead of hanging CI) ends each test file's process with process.exit() as soon as its tests are
 * done. The file's results travel to the runner as frames on its stdout, a pipe, which is non-blocking on
 * Linux: frames still queued at that exit are lost, passes and failures alike, and the runner's summary
 * silently counts fewer tests with exit code 0 (nodejs/node#64833; seen here: 1,380 of 1,425 tests
 * reported, the architecture file cut short). A blocking stdout completes every write before it returns,
 * so nothing is queued when the process exits. Node's own fix proposal does the same (nodejs/node#64875).
 */
const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle;
if (typeof handle?.setBlocking === "function") handle.setBlocking(true);
