// Charts on uPlot (vendor/uPlot.iife.min.js defines the global uPlot).
// Every chart names its series beside the title (see keyItem) and shows the
// values under the cursor in a readout line, so nobody hunts for a legend.
import { h, cssVar } from './dom.js';

const charts = new Set();

// Charts of the previous view are dropped when a view is drawn again.
export function destroyCharts() {
	for (const c of charts) c.destroy();
	charts.clear();
}

const monthDay = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' });

/*
 * timeChart(container, options)
 *   label       what the chart shows, for screen readers
 *   x           epoch seconds (days: UTC midnight; day view: instants)
 *   series      [{label, values, color, kind: 'line'|'bars'|'points'|'steps', width, dash, fill}]
 *   daily       x are days (bars get half a day of room at both ends)
 *   tz          time zone of the axis labels when x are instants
 *   xRange      [min, max] fixed x range
 *   yMin, yMax  fixed bounds; yZero starts the axis at 0
 *   yFmt        axis label formatter
 *   ySplits     fixed y values of the axis labels and grid lines (stages)
 *   ySize       room for the y labels in CSS pixels (44)
 *   before(u)   draws behind the series (zone bands, sleep, gaps)
 *   after(u)    draws over the series (a goal line)
 *   readout(i)  the text under the title for data index i (null: no cursor)
 */
export function timeChart(container, o) {
	const height = o.height || 220;
	const muted = cssVar('--muted'), grid = cssVar('--line');
	const readout = h('div', { class: 'readout', 'aria-live': 'off' });
	// Canvas says nothing to a screen reader: name the chart; the readout and
	// the tables beside the charts carry the numbers.
	const plot = h('div', { class: 'chart', role: 'img', 'aria-label': o.label || o.series.map((s) => s.label).join(', ') });
	container.append(readout, plot);

	const bars = uPlot.paths.bars({ size: [0.72, 48], gap: 1 });
	// A stage holds from its start until the next one begins.
	const steps = uPlot.paths.stepped({ align: 1 });
	const series = [{}].concat(o.series.map((s) => ({
		label: s.label,
		stroke: s.color,
		width: s.width ?? (s.kind === 'bars' ? 0 : 2),
		dash: s.dash,
		fill: s.kind === 'bars' ? s.color : s.fill,
		spanGaps: false,	// a null is a gap (watch off), never bridged
		paths: s.kind === 'bars' ? bars : s.kind === 'steps' ? steps : s.kind === 'points' ? () => null : undefined,
		points: s.kind === 'points' ? { show: true, size: 5, fill: s.color, stroke: s.color }
			: { show: false },
	})));

	const xValues = o.daily
		? (u, splits) => splits.map((v) => monthDay.format(new Date(v * 1000)))
		: (u, splits) => splits.map((v) => new Intl.DateTimeFormat('en-GB', { timeZone: o.tz, hour: '2-digit',
			minute: '2-digit', hourCycle: 'h23' }).format(new Date(v * 1000)));

	const opts = {
		width: Math.max(plot.clientWidth || container.clientWidth || 300, 200),
		height,
		legend: { show: false },
		tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), o.daily ? 'Etc/UTC' : o.tz),
		cursor: { drag: { x: !o.daily, y: false }, points: { size: 7 } },
		scales: {
			x: {
				time: true,
				range: o.xRange ? () => o.xRange
					: o.daily ? (u, min, max) => [min - 43200, max + 43200] : undefined,
			},
			y: {
				range: (u, min, max) => {
					const lo = o.yMin ?? (o.yZero ? 0 : Math.floor(min - (max - min) * 0.1 - 1));
					const hi = o.yMax ?? Math.ceil(max + (max - lo) * 0.08 + 1);
					return [lo, hi];
				},
			},
		},
		axes: [
			{ stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, values: xValues,
				space: o.daily ? 60 : 70 },
			{ stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { show: false }, size: o.ySize || 44,
				values: o.yFmt ? (u, splits) => splits.map(o.yFmt) : undefined,
				...(o.ySplits ? { splits: () => o.ySplits } : {}) },
		],
		series,
		hooks: {
			drawAxes: o.before ? [(u) => { u.ctx.save(); o.before(u); u.ctx.restore(); }] : [],
			draw: o.after ? [(u) => { u.ctx.save(); o.after(u); u.ctx.restore(); }] : [],
			setCursor: [(u) => setReadout(u.cursor.idx)],
		},
	};

	function setReadout(i) {
		const r = o.readout ? o.readout(i ?? null) : null;
		readout.replaceChildren(...(r === null ? ['\u00a0'] : [].concat(r)));
	}

	const u = new uPlot(opts, [o.x, ...o.series.map((s) => s.values)], plot);
	setReadout(null);
	// Follow the card's width (phones, resized windows).
	const ro = new ResizeObserver(() => {
		const w = plot.clientWidth;
		if (w > 0 && Math.abs(w - u.width) > 2) u.setSize({ width: w, height });
	});
	ro.observe(plot);
	const handle = { u, destroy() { ro.disconnect(); u.destroy(); } };
	charts.add(handle);
	plot.dataset.points = String(o.x.length);
	if (o.xRange) [plot.dataset.xmin, plot.dataset.xmax] = o.xRange.map(String);
	return handle;
}

// Fill a horizontal band of the plot between two y values.
export function hBand(u, y0, y1, color, label) {
	const { left, width, top, height } = u.bbox;
	const a = Math.max(top, Math.min(top + height, u.valToPos(y1, 'y', true)));
	const b = Math.max(top, Math.min(top + height, u.valToPos(y0, 'y', true)));
	if (b - a < 1) return;
	u.ctx.fillStyle = color;
	u.ctx.fillRect(left, a, width, b - a);
	if (label && b - a > 12 * devicePixelRatio) {
		u.ctx.fillStyle = cssVar('--muted');
		u.ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
		u.ctx.textBaseline = 'top';
		u.ctx.textAlign = 'left';
		u.ctx.fillText(label, left + 6 * devicePixelRatio, a + 3 * devicePixelRatio);
	}
}

// Fill a vertical band of the plot between two x values.
export function vBand(u, x0, x1, color, label) {
	const { top, height, left, width } = u.bbox;
	const a = Math.max(left, u.valToPos(x0, 'x', true));
	const b = Math.min(left + width, u.valToPos(x1, 'x', true));
	if (b - a < 1) return;
	u.ctx.fillStyle = color;
	u.ctx.fillRect(a, top, b - a, height);
	if (label && b - a > 40 * devicePixelRatio) {
		u.ctx.fillStyle = cssVar('--muted');
		u.ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
		u.ctx.textBaseline = 'bottom';
		u.ctx.textAlign = 'left';
		u.ctx.fillText(label, a + 4 * devicePixelRatio, top + height - 3 * devicePixelRatio);
	}
}

// A horizontal line across the plot (a goal).
export function hLine(u, y, color, label) {
	const { left, width } = u.bbox;
	const p = u.valToPos(y, 'y', true);
	u.ctx.strokeStyle = color;
	u.ctx.lineWidth = 1.5 * devicePixelRatio;
	u.ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
	u.ctx.beginPath();
	u.ctx.moveTo(left, p);
	u.ctx.lineTo(left + width, p);
	u.ctx.stroke();
	u.ctx.setLineDash([]);
	if (label) {
		u.ctx.fillStyle = color;
		u.ctx.font = `600 ${11 * devicePixelRatio}px system-ui, sans-serif`;
		u.ctx.textBaseline = 'bottom';
		u.ctx.textAlign = 'right';
		u.ctx.fillText(label, left + width - 4 * devicePixelRatio, p - 3 * devicePixelRatio);
		u.ctx.textAlign = 'left';
	}
}
