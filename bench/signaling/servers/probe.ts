/**
 * Preloaded (`node --import`) into the real service process that `ours-process.ts` starts
 * (`src/main.ts`, or `dist/main.js`): it answers the bench's requests over the IPC channel of the
 * fork (CPU and memory of this process, forced GC, CPU profile, exit) and changes nothing in the
 * service. It cannot await the service's deferred writes, so `settle` waits for a quiet event
 * loop. `exit` sends the process SIGTERM: the service's own graceful shutdown ends it.
 */
import { loopQuiet, serveServerRequests } from './common.ts';

serveServerRequests('ours', {
  settle: () => loopQuiet(),
  close: async () => {
    setTimeout(() => process.kill(process.pid, 'SIGTERM'), 20); // after the answer went out
  },
  exits: true,
});
// The bench went away (crashed, interrupted): stop as an operator would, do not linger.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
