// A small inline-SVG chart over the last hour: lines (gaps where a value is missing) or stacked
// areas, a three-step y axis, "60 min ago … now", and a legend with each series' latest value.
import { bandPath, linePath, maxOf, niceMax, scaleLinear, stack, ticks } from '../../modules/chart.ts';

export interface Series {
  name: string;
  color: string;
  values: (number | null)[];
}

interface Props {
  id: string;
  title: string;
  /** Epoch ms of each point, oldest first. */
  at: number[];
  series: Series[];
  /** Stack the series as areas (counts that add up, e.g. sessions by state). */
  stacked?: boolean;
  format(v: number): string;
  /** The y axis's minimum top, so a flat zero line still has a scale. */
  floor?: number;
}

const W = 440;
const H = 150;
const PAD = { top: 8, right: 8, bottom: 20, left: 40 };
const HOUR_MS = 3_600_000;

export function MiniChart({ id, title, at, series, stacked = false, format, floor = 1 }: Props) {
  const end = at.length > 0 ? at[at.length - 1]! : Date.now();
  const sx = scaleLinear([end - HOUR_MS, end], [PAD.left, W - PAD.right]);
  const layers = stacked ? stack(series.map((s) => s.values.map((v) => v ?? 0))) : [];
  const top = stacked ? maxOf(layers[layers.length - 1] ?? []) : Math.max(0, ...series.map((s) => maxOf(s.values)));
  const yMax = niceMax(top, floor);
  const sy = scaleLinear([0, yMax], [H - PAD.bottom, PAD.top]);
  const latest = (s: Series): number | null => {
    for (let i = s.values.length - 1; i >= 0; i--) if (s.values[i] !== null) return s.values[i]!;
    return null;
  };
  const summary = series.map((s) => `${s.name} ${latest(s) === null ? 'no data' : format(latest(s)!)}`).join(', ');

  return (
    <figure class="chart card" aria-labelledby={`${id}-title`} data-testid={`chart-${id}`}>
      <figcaption id={`${id}-title`} class="chart__title">
        {title}
      </figcaption>
      <svg class="chart__svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}, latest: ${summary}`}>
        {ticks(yMax).map((t) => (
          <g key={t}>
            <line class="chart__grid" x1={PAD.left} x2={W - PAD.right} y1={sy(t)} y2={sy(t)} />
            <text class="chart__label" x={PAD.left - 6} y={sy(t) + 4} text-anchor="end">
              {format(t)}
            </text>
          </g>
        ))}
        <text class="chart__label" x={PAD.left} y={H - 4}>
          60 min ago
        </text>
        <text class="chart__label" x={(PAD.left + W - PAD.right) / 2} y={H - 4} text-anchor="middle">
          30 min
        </text>
        <text class="chart__label" x={W - PAD.right} y={H - 4} text-anchor="end">
          now
        </text>
        {stacked
          ? layers.map((upper, i) => (
              <path
                key={series[i]!.name}
                d={bandPath(at, i > 0 ? layers[i - 1]! : upper.map(() => 0), upper, sx, sy)}
                fill={series[i]!.color}
                fill-opacity="0.55"
                stroke={series[i]!.color}
                stroke-width="1.2"
              />
            ))
          : series.map((s) => (
              <path
                key={s.name}
                d={linePath(
                  at.map((x, i) => ({ x, y: s.values[i] ?? null })),
                  sx,
                  sy,
                )}
                fill="none"
                stroke={s.color}
                stroke-width="2"
                stroke-linejoin="round"
                stroke-linecap="round"
              />
            ))}
      </svg>
      <ul class="chart__legend">
        {series.map((s) => (
          <li key={s.name}>
            <span class="chart__swatch" style={{ background: s.color }} aria-hidden="true" />
            {s.name} <strong>{latest(s) === null ? '—' : format(latest(s)!)}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
