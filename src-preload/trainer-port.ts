/**
 * The channel of the hidden trainer window's preload: it hands its page the trainer's MessagePort in a
 * window message with this data. A file of its own, not bridge.ts: the two preloads are bundled from one
 * build, and a module both import would become a shared chunk that a sandboxed preload cannot require.
 */
export const TRAINER_PORT_MESSAGE = 'weightlapse:trainer-port';
