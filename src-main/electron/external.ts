/** Which links may leave the app for the system browser: https only, no credentials, no odd hosts. */
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.username === '' && url.password === '' && /^[a-z0-9.-]+$/i.test(url.hostname) && url.hostname.includes('.');
}
