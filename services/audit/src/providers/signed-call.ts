import { CallFailed } from '../domain/errors';
import { sign, signatureHeaders } from '../domain/webhook-signature';

export interface SignedCallSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

/**
 * POSTs a signed JSON body and returns the parsed answer of a 2xx. 5xx, 408, 429, timeouts
 * and network errors are retryable; other 4xx are not. The idempotency key lets the partner
 * recognise a retry of a call whose answer we never got.
 */
export async function postSigned(
  settings: SignedCallSettings,
  body: unknown,
  idempotencyKey: string,
  now: Date,
): Promise<unknown> {
  const text = JSON.stringify(body);
  const timestamp = Math.floor(now.getTime() / 1_000);
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': idempotencyKey,
        [signatureHeaders.timestamp]: String(timestamp),
        [signatureHeaders.signature]: sign(settings.secret, timestamp, text),
      },
      body: text,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
  } catch (error) {
    throw new CallFailed(
      `${settings.url} did not answer: ${error instanceof Error ? error.message : String(error)}`,
      true,
    );
  }
  const answer = await response.text();
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new CallFailed(
      `${settings.url} answered ${response.status}${answer ? `: ${answer.slice(0, 200)}` : ''}`,
      retryable,
    );
  }
  if (answer.trim() === '') return undefined;
  try {
    return JSON.parse(answer) as unknown;
  } catch {
    throw new CallFailed(`${settings.url} answered ${response.status} with a body that is not JSON`, true);
  }
}
