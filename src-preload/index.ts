/** The one door between the page and the main process: exposes the API contract, nothing else. */
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('weightlapse', {});
