/** The API client in the desktop app, over the preload bridge (`window.weightlapse`). */
import { ApiError, type ApiClient } from '@contract/api.ts';
import type { DesktopBridge } from '@contract/bridge.ts';

export function ipcClient(bridge: DesktopBridge): ApiClient {
  return {
    async call(method, input) {
      const result = await bridge.call(method, input);
      if (result.ok) return result.value as never;
      throw new ApiError(result.error.code, result.error.message, result.error.field);
    },
    on: (event, listener) => bridge.on(event, listener),
  };
}
