/**
 * A response body read as text up to a size: `res.json()` and `res.text()` hold whatever a server sends
 * before the time limit (on a fast link, gigabytes). Past `maxBytes`, announced or arrived, the rest is not
 * read (the connection is let go) and `tooLarge()` is thrown: the caller's typed error.
 */
export async function readBoundedText(res: Response, maxBytes: number, tooLarge: () => Error): Promise<string> {
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const parts: Uint8Array[] = [];
  let size = 0;
  // leaving the loop early (a throw) cancels the body's stream
  for await (const part of (res.body ?? []) as AsyncIterable<Uint8Array>) {
    size += part.byteLength;
    if (size > maxBytes) throw tooLarge();
    parts.push(part);
  }
  return new TextDecoder().decode(Buffer.concat(parts)); // strips a BOM, as res.json() does
}
