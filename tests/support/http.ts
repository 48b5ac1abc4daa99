/** An HTTP answer with its body parsed as JSON when possible. */
export interface JsonResponse<T = unknown> {
  status: number;
  /** Parsed JSON, or `undefined` when the body is empty or not JSON (see `text`). */
  body: T | undefined;
  text: string;
  headers: Headers;
}

/** Default bound on one request, in milliseconds. */
export const HTTP_TIMEOUT_MS = 10_000;

/** POSTs `body` as JSON and returns the status and parsed answer. */
export function postJson<T = unknown>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs = HTTP_TIMEOUT_MS,
): Promise<JsonResponse<T>> {
  return request<T>(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** GETs `url` and returns the status and parsed answer. */
export function getJson<T = unknown>(
  url: string,
  headers: Record<string, string> = {},
  timeoutMs = HTTP_TIMEOUT_MS,
): Promise<JsonResponse<T>> {
  return request<T>(url, {
    method: 'GET',
    headers: { accept: 'application/json', ...headers },
    signal: AbortSignal.timeout(timeoutMs),
  });
}

async function request<T>(url: string, init: RequestInit): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: T | undefined;
  try {
    body = text === '' ? undefined : (JSON.parse(text) as T);
  } catch {
    body = undefined;
  }
  return { status: response.status, body, text, headers: response.headers };
}
