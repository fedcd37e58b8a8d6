// An indeterminate progress ring; `label` is read by screen readers.

export function Spinner({ size = 20, label = 'Loading', light = false }: { size?: number; label?: string; light?: boolean }) {
  return (
    <span
      class={light ? 'spinner spinner--light' : 'spinner'}
      role="progressbar"
      aria-label={label}
      style={{ width: `${size}px`, height: `${size}px` }}
    />
  );
}

export function PageLoading({ label }: { label: string }) {
  return (
    <div class="page-loading" aria-live="polite">
      <Spinner size={28} label={label} />
      <span>{label}</span>
    </div>
  );
}
