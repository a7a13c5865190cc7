/**
 * The real core in its own process, for renderer tests that run in a DOM environment (where Vite
 * transforms modules for the web and the core's Node-only code cannot load): a fresh database at
 * argv[2], the real handlers behind `dispatch`, and every core event passed on. Messages:
 *   → { id, call: method, input }      ← { id, result }      (the contract's ApiResult)
 *   → { id, emit: event, payload }     ← { id }
 *   ← { event, payload }               (each event the core emits)
 */
import { dispatch, type EventName } from '../../../src-preload/api.ts';
import { createHandlers } from '../../../src-main/core/api/handlers.ts';
import { openCore } from '../../../src-main/core/startup.ts';

type Message = { id: number; call: string; input: unknown } | { id: number; emit: EventName; payload: never };

const core = await openCore(process.argv[2]!, { shell: 'browser' });
const handlers = createHandlers(core.ctx);
// Events can still come (a trainer ending) after the test has closed the channel: those go nowhere.
const send = (m: unknown) => void (process.connected && process.send!(m));
core.subscribe((event, payload) => send({ event, payload }));
process.on('message', (m: Message) => {
  if ('call' in m) void dispatch(handlers, m.call as never, m.input).then((result) => send({ id: m.id, result }));
  else {
    core.ctx.emit(m.emit, m.payload);
    send({ id: m.id });
  }
});
// The test ends by closing the channel.
process.on('disconnect', () => void core.close().then(() => process.exit(0)));
send({ ready: true });
