// The Deskport mark: a monitor in a rounded square.

export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="8" fill="var(--primary)" />
      <rect x="7" y="8.5" width="18" height="12.5" rx="2" fill="none" stroke="#fff" stroke-width="2.4" />
      <path d="M12.5 25h7" stroke="#fff" stroke-width="2.4" stroke-linecap="round" />
    </svg>
  );
}
