/** Errors from the API as the forms show them: the message, and the field it belongs to when there is one. */
export interface FieldError {
  field: string | null;
  message: string;
}

/** The API's messages start with "method: field: "; a form shows that beside the field, so drop the prefix. */
export function fieldError(err: unknown): FieldError {
  const field = typeof (err as { field?: unknown })?.field === 'string' ? ((err as { field: string }).field) : null;
  let message = err instanceof Error ? err.message : String(err);
  message = message.replace(/^[a-z]+\.[A-Za-z]+: /, '');
  if (field && message.startsWith(`${field}: `)) message = message.slice(field.length + 2);
  return { field, message };
}
