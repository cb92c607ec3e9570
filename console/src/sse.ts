// Server-Sent Events over fetch (EventSource cannot send an Authorization header): each event
// handed to `onEvent`; a dropped stream resumed with Last-Event-ID; `stop()` ends it.
export interface StreamEvent {
  id: string | null;
  event: string;
  data: unknown;
}

export function follow(
  url: string,
  token: string,
  onEvent: (event: StreamEvent) => void,
  onEnd: () => void,
): { stop: () => void } {
  const controller = new AbortController();
  let last: string | null = null;
  let stopped = false;

  async function once(): Promise<boolean> {
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      Accept: "text/event-stream",
    };
    if (last) headers["Last-Event-ID"] = last;
    const response = await fetch(url, { headers, signal: controller.signal });
    if (!response.ok || !response.body) return false;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    let id: string | null = null;
    let kind = "message";
    let data: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return true;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, cut).replace(/\r$/, "");
        buffer = buffer.slice(cut + 1);
        if (line === "") {
          if (data.length) {
            if (id !== null) last = id;
            if (kind === "reconnect") return false;
            let payload: unknown = data.join("\n");
            try {
              payload = JSON.parse(payload as string);
            } catch {
              /* not JSON: handed over as text */
            }
            // a mark per event: bench/console_metrics.py times event → DOM from it
            if (id !== null) performance.mark(`sse:${id}`);
            onEvent({ id, event: kind, data: payload });
          }
          kind = "message";
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const rest = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") id = rest;
        else if (field === "event") kind = rest;
        else if (field === "data") data.push(rest);
      }
    }
  }

  (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        if (await once()) break; // the server ended it: the release is over
        failures += 1;
      } catch {
        if (stopped) return;
        failures += 1;
      }
      await new Promise((r) => setTimeout(r, Math.min(500 * failures, 5000)));
    }
    if (!stopped) onEnd();
  })();
  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
