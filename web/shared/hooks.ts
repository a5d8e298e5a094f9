import { useEffect, useRef, useState } from 'preact/hooks';

// Small hooks both pages use.

/** Whole seconds left until `until` (ms since epoch), ticking once a second; 0 when past or null. */
export function useSecondsLeft(until: number | null): number {
  const left = () => (until === null ? 0 : Math.max(0, Math.ceil((until - Date.now()) / 1000)));
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (until === null || until <= Date.now()) return;
    const timer = setInterval(() => {
      const next = left();
      setSeconds(next);
      if (next === 0) clearInterval(timer);
    }, 250);
    return () => clearInterval(timer);
  }, [until]);
  return seconds;
}

/** A re-render every `ms`, for relative times ("2 min ago"). */
export function useTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

/**
 * Moves focus to `selector` once the page has re-rendered for the change that asked for it (and
 * keeps asking on later renders until the element exists). The request is captured at render time:
 * Preact runs a render's pending effects just before the next render, and an effect of a render made
 * before the request would otherwise focus the element that is about to be replaced.
 */
export function useFocusAfterRender(): (selector: string) => void {
  const pending = useRef<{ selector: string } | null>(null);
  const seenAtRender = pending.current;
  useEffect(() => {
    if (!seenAtRender || pending.current !== seenAtRender) return;
    const target = document.querySelector<HTMLElement>(seenAtRender.selector);
    if (target) {
      target.focus();
      pending.current = null;
    }
  });
  return (selector: string) => { pending.current = { selector }; };
}
