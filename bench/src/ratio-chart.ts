import type { Results } from './results.js'
import { targetsOf } from './targets.js'

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * An SVG bar chart of the ratios, written by hand: one row per target, the bar scaled to the
 * larger of value and goal, the goal as a dark line; green when met, red when not.
 */
export function ratioChart(r: Results): string {
  const rows = targetsOf(r)
  const width = 980
  const labelWidth = 300
  const barWidth = 340
  const rowHeight = 34
  const top = 40
  const height = top + rows.length * rowHeight + 20
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">@tokens: measured figures vs the targets of issues 9 and 15 (${escapeXml(r.date.slice(0, 10))})</text>`,
  ]
  rows.forEach((t, i) => {
    const y = top + i * rowHeight
    const scale = Math.max(t.value, t.goal) * 1.25 || 1
    const bar = Math.max(1, (t.value / scale) * barWidth)
    const goal = (t.goal / scale) * barWidth
    parts.push(
      `<text x="10" y="${y + 18}">${escapeXml(t.name)}</text>`,
      `<rect x="${labelWidth}" y="${y + 5}" width="${bar.toFixed(1)}" height="18" fill="${t.met ? '#2e9d4f' : '#d64541'}"/>`,
      `<line x1="${(labelWidth + goal).toFixed(1)}" y1="${y + 1}" x2="${(labelWidth + goal).toFixed(1)}" y2="${y + 27}" stroke="#222" stroke-width="2"/>`,
      `<text x="${labelWidth + barWidth + 10}" y="${y + 18}">${escapeXml(`${t.shown} (goal ${t.goalShown})`)}</text>`,
    )
  })
  parts.push('</svg>', '')
  return parts.join('\n')
}
