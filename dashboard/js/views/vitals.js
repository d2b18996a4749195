// Vitals: heart-rate variability, SpO2, breathing rate, skin temperature
// and resting heart rate per day, each over its own baseline: the mean ±
// one standard deviation of the 30 days before (api.vitals), with the days
// outside it marked.
import { rpc, csvLink, csvName } from '../api.js';
import { h, fmt, card, datum, keyItem, cssVar, dayEpoch } from '../dom.js';
import { timeChart } from '../charts.js';
import { stateNote } from './pipeline.js';
import { rangeOf, rangeHead } from '../range.js';

// Each vital: its column in api.vitals, how it is named and shown.
export const VITALS = [
	{ key: 'hrv_ms', title: 'Heart-rate variability', unit: 'ms', color: '--hrv', digits: 1,
		desc: 'RMSSD over the night\'s sleep, in milliseconds. Higher than usual often means well rested.' },
	{ key: 'spo2_avg', title: 'Blood oxygen (SpO2)', unit: '%', color: '--spo2', digits: 1,
		desc: 'The night\'s average oxygen saturation.' },
	{ key: 'respiratory_rate', title: 'Breathing rate', unit: 'breaths/min', color: '--resp', digits: 1,
		desc: 'Breaths per minute over the night\'s sleep.' },
	{ key: 'skin_temp_variation_c', title: 'Skin temperature', unit: '°C', color: '--skin', digits: 2, signed: true,
		desc: 'The night\'s skin temperature against the person\'s own baseline, in degrees Celsius.' },
	{ key: 'resting_hr', title: 'Resting heart rate', unit: 'bpm', color: '--rhr', digits: 0,
		desc: 'Tracker\'s resting heart rate of the day, in beats per minute.' },
];

export const EMPTY_VITALS = 'No vitals yet: connect a Google Health account with the health metrics and measurements scope and a watch that measures them in sleep, or import a Fitbit export.';

const num = (v) => (v === null || v === undefined ? null : Number(v));
const show = (v, m) => {
	if (v === null || v === undefined) return '–';
	const n = Number(v);
	const t = new Intl.NumberFormat('en-US', { minimumFractionDigits: m.digits, maximumFractionDigits: m.digits }).format(n);
	return m.signed && n > 0 ? `+${t}` : t;
};

export async function vitals(ctx) {
	const { account } = ctx;
	const r = rangeOf(ctx);
	const range = { account: account.id, from_day: r.start, to_day: r.end };
	const rows = await rpc('vitals', range);
	const head = rangeHead(ctx, 'vitals', 'Vitals', r);
	const has = (m) => rows.some((d) => d[m.key] !== null);

	if (!VITALS.some(has)) {
		return [head, stateNote(account, ctx), h('section', { class: 'note', id: 'no-vitals' },
			h('p', {}, `No vitals between ${fmt.dayLong(r.start)} and ${fmt.dayLong(r.end)}.`),
			h('p', { class: 'empty' }, EMPTY_VITALS))];
	}

	const mounts = [];
	const grid = h('div', { class: 'grid' });
	for (const m of VITALS) {
		grid.append(vitalCard(m, rows, r, mounts, csvLink('vitals', range, csvName(`vitals-${m.key.replace(/_/g, '-')}`, r.start, r.end))));
	}
	grid.append(table(rows, csvLink('vitals', range, csvName('vitals', r.start, r.end))));
	return { nodes: [head, stateNote(account, ctx), tiles(rows), grid], mounted: () => mounts.forEach((f) => f()) };
}

// The latest value of each vital, and the days outside its baseline.
function tiles(rows) {
	return h('section', { id: 'vitals-summary', 'aria-label': 'The latest values' }, h('div', { class: 'tiles' }, VITALS.map((m) => {
		const last = [...rows].reverse().find((d) => d[m.key] !== null);
		const outside = rows.filter((d) => d[`${m.key}_outside`] === true).length;
		return h('div', { class: 'card tile', 'data-vital': m.key, 'data-day': last?.day ?? '' },
			h('span', { class: 'label' }, m.title),
			h('span', { class: 'value' }, datum(m.key, last ? last[m.key] : null, show(last?.[m.key], m)), h('small', {}, m.unit)),
			h('span', { class: 'sub' }, last ? [fmt.day(last.day), last[`${m.key}_baseline`] !== null
				? [' · baseline ', h('b', {}, show(last[`${m.key}_baseline`], m))] : ' · no baseline yet'] : 'none in this range'),
			h('span', { class: 'sub' }, h('b', {}, datum('outside_days', outside, String(outside))), ` day${outside === 1 ? '' : 's'} outside the baseline`));
	})));
}

// The values as points joined by a line, the band of the baseline behind
// them, and the days outside it as larger points.
function vitalCard(m, rows, r, mounts, download) {
	const body = h('div');
	const days = rows.filter((d) => d[m.key] !== null || d[`${m.key}_low`] !== null);
	const outside = rows.filter((d) => d[`${m.key}_outside`] === true);
	const c = card(m.title, { id: `${m.key.replace(/_/g, '-')}-card`, extra: download, desc: m.desc },
		h('div', { class: 'key' }, keyItem(m.title.replace(/ \(.*\)$/, ''), cssVar(m.color), 'line'),
			keyItem('30-day baseline ± 1 sd', cssVar('--band')), keyItem('Outside the baseline', cssVar('--outside'), 'dot')), body);
	c.dataset.vital = m.key;
	c.dataset.outside = String(outside.length);
	if (!rows.some((d) => d[m.key] !== null)) {
		body.append(h('p', { class: 'empty' }, `No ${m.title.toLowerCase()} in this range.`));
		return c;
	}
	const low = days.map((d) => num(d[`${m.key}_low`])), high = days.map((d) => num(d[`${m.key}_high`]));
	mounts.push(() => timeChart(body, {
		label: `${m.title} per day with its 30-day baseline, ${fmt.dayLong(r.start)} to ${fmt.dayLong(r.end)}: ${outside.length} days outside it`,
		daily: true, x: days.map((d) => dayEpoch(d.day)),
		yFmt: (v) => show(v, { ...m, digits: Math.min(m.digits, 1) }),
		series: [
			{ label: 'Band low', values: low, color: 'transparent', width: 0 },
			{ label: 'Band high', values: high, color: 'transparent', width: 0 },
			{ label: m.title, values: days.map((d) => num(d[m.key])), color: cssVar(m.color), width: 1.5 },
			{ label: 'Outside', values: days.map((d) => (d[`${m.key}_outside`] ? num(d[m.key]) : null)), color: cssVar('--outside'), kind: 'points' },
		],
		before: (u) => band(u, low, high, cssVar('--band')),
		readout: (i) => {
			const d = days[i ?? days.length - 1];
			const head = [h('b', {}, fmt.day(d.day)), `: ${show(d[m.key], m)} ${m.unit}`];
			if (d[`${m.key}_baseline`] === null) return [...head, ' · no baseline yet (it needs 7 days)'];
			return [...head, ` · baseline ${show(d[`${m.key}_baseline`], m)} (${show(d[`${m.key}_low`], m)} to ${show(d[`${m.key}_high`], m)})`,
				d[`${m.key}_outside`] ? h('b', { class: 'outside-mark' }, ' · outside') : ''];
		},
	}));
	return c;
}

// The baseline band: a filled shape between the low and high values of
// consecutive days that have them.
function band(u, low, high, color) {
	const xs = u.data[0];
	const ctx = u.ctx;
	ctx.fillStyle = color;
	let run = [];
	const flush = () => {
		if (run.length > 1) {
			ctx.beginPath();
			run.forEach((i, k) => ctx[k ? 'lineTo' : 'moveTo'](u.valToPos(xs[i], 'x', true), u.valToPos(high[i], 'y', true)));
			[...run].reverse().forEach((i) => ctx.lineTo(u.valToPos(xs[i], 'x', true), u.valToPos(low[i], 'y', true)));
			ctx.closePath();
			ctx.fill();
		}
		run = [];
	};
	for (let i = 0; i < xs.length; i++) {
		if (low[i] === null || high[i] === null) flush();
		else run.push(i);
	}
	flush();
}

function table(rows, download) {
	return card('The numbers per day', { wide: true, id: 'vitals-table', extra: download,
		desc: 'Newest first. A value outside its baseline is marked "!"; the baseline is in the cell\'s tooltip.' },
	h('details', { class: 'numbers' }, h('summary', {}, `${rows.length} day${rows.length === 1 ? '' : 's'}`),
		h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), VITALS.map((m) => h('th', { scope: 'col' }, `${m.title} (${m.unit})`)))),
			h('tbody', {}, [...rows].reverse().map((d) => h('tr', { 'data-day': d.day },
				h('th', { scope: 'row', class: 'text' }, fmt.day(d.day)),
				VITALS.map((m) => {
					const out = d[`${m.key}_outside`] === true;
					return h('td', { class: out ? 'outside' : null, 'data-outside': String(d[`${m.key}_outside`]),
						title: d[`${m.key}_baseline`] !== null ? `baseline ${show(d[`${m.key}_baseline`], m)}, band ${show(d[`${m.key}_low`], m)} to ${show(d[`${m.key}_high`], m)}` : 'no baseline yet' },
					datum(m.key, d[m.key], show(d[m.key], m)), out ? ' !' : '');
				}))))))));
}
