// Small building blocks every page uses: data that reloads itself, loading and error states,
// a button that asks before it acts (and says why it is disabled).
import { useCallback, useEffect, useRef, useState, type ReactNode } from "react";
import { ApiError } from "./client";

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  reload: () => void;
}

/** `load` now and every `everyMs` (0: once); the view never needs a page reload. */
export function useData<T>(load: () => Promise<T>, deps: unknown[], everyMs = 0): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let alive = true;
    loadRef
      .current()
      .then((d) => alive && (setData(d), setError(null)))
      .catch((e: Error) => alive && setError(e));
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  useEffect(() => {
    if (!everyMs) return;
    const timer = setInterval(() => setTick((t) => t + 1), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

export function ErrorBox({ error }: { error: Error | null }) {
  if (!error) return null;
  const fields = error instanceof ApiError ? error.fields : [];
  return (
    <div className="error" role="alert">
      <strong>{error.message}</strong>
      {fields.length > 0 && (
        <ul>
          {fields.map((f) => (
            <li key={f.loc}>
              <code>{f.loc}</code>: {f.msg}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading<T>({
  state,
  children,
}: {
  state: Loaded<T>;
  children: (data: T) => ReactNode;
}) {
  if (state.data === null) {
    return state.error ? <ErrorBox error={state.error} /> : <p aria-busy="true">Loading…</p>;
  }
  return (
    <>
      {state.error && <ErrorBox error={state.error} />}
      {children(state.data)}
    </>
  );
}

/** A button that confirms, runs `act`, shows its error; disabled with `refusal` as the reason. */
export function ActionButton({
  label,
  confirm,
  act,
  refusal,
  onDone,
}: {
  label: string;
  confirm?: string;
  act: () => Promise<unknown>;
  refusal?: string | null;
  onDone?: () => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  async function run() {
    if (confirm && !window.confirm(confirm)) return;
    setBusy(true);
    setError(null);
    try {
      await act();
      onDone?.();
    } catch (e) {
      setError(e as Error);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="action">
      <button
        type="button"
        onClick={run}
        disabled={busy || !!refusal}
        title={refusal ?? undefined}
        aria-describedby={refusal ? `why-${label}` : undefined}
      >
        {busy ? `${label}…` : label}
      </button>
      {refusal && (
        <span id={`why-${label}`} className="why">
          {refusal}
        </span>
      )}
      <ErrorBox error={error} />
    </span>
  );
}

export function Phase({ phase }: { phase: string }) {
  return <span className={`phase phase-${phase}`}>{phase}</span>;
}

export function elapsed(start?: string | null, end?: string | null): string {
  if (!start) return "";
  const from = Date.parse(start);
  const to = end ? Date.parse(end) : Date.now();
  const s = Math.max(0, Math.round((to - from) / 1000));
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
