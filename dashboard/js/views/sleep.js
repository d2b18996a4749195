// Sleep: last night's hypnogram, the minutes of each stage per night over
// a range, and how regular bedtime and wake time are.  A night is filed
// under the local day its sleeper woke up; naps are listed but left out of
// the charts and the regularity.
import { rpc, errorBox, csvLink, csvName } from '../api.js';
import { h, fmt, card, datum, keyItem, cssVar, alpha, dayEpoch } from '../dom.js';
import { timeChart, hBand } from '../charts.js';
import { stateNote } from './pipeline.js';
import { rangeOf, rangeHead, clockMinutes, clockText, mean, stddev } from '../range.js';

// Stages from the top of the hypnogram down; sources without stages
// (Fitbit's classic sleep) say asleep, restless and awake.
const STAGES = {
	AWAKE: { level: 4, label: 'Awake', color: '--awake' },
	REM: { level: 3, label: 'REM', color: '--rem' },
	LIGHT: { level: 2, label: 'Light', color: '--light-sleep' },
	DEEP: { level: 1, label: 'Deep', color: '--deep' },
	RESTLESS: { level: 3, label: 'Restless', color: '--rem' },
	ASLEEP: { level: 2, label: 'Asleep', color: '--asleep' },
};
const STAGED = ['deep', 'light', 'rem', 'awake'];
const stageKey = (k) => ({ deep: 'DEEP', light: 'LIGHT', rem: 'REM', awake: 'AWAKE' })[k];

// Bedtimes from noon on are the evening before: 23:30 is -30 minutes,
// 00:15 is 15, so that nights either side of midnight stay close.
export const bedMinutes = (t) => {
	const m = clockMinutes(t);
	return m === null ? null : m >= 720 ? m - 1440 : m;
};

export const EMPTY_SLEEP = 'No sleep yet: connect a Google Health account with the sleep scope, or import a Fitbit export (its sleep files).';

export async function sleep(ctx) {
	const { account } = ctx;
	const r = rangeOf(ctx);
	const tz = account.time_zone || 'UTC';
	const range = { account: account.id, from_day: r.start, to_day: r.end };
	const nights = await rpc('sleep_nights', range);
	const head = rangeHead(ctx, 'sleep', 'Sleep', r, `times in ${tz}`);

	if (!nights.length) {
		return [head, stateNote(account, ctx), h('section', { class: 'note', id: 'no-sleep' },
			h('p', {}, `No sleep between ${fmt.dayLong(r.start)} and ${fmt.dayLong(r.end)}.`),
			h('p', { class: 'empty' }, EMPTY_SLEEP, ' For example: ',
				h('code', {}, `SELECT tracker.import_fitbit_file(${account.id}, '/path/to/sleep-2026-01-01.json');`)))];
	}

	const main = nights.filter((n) => !n.nap);
	const last = main.length ? main.reduce((a, b) => (b.end_at > a.end_at ? b : a)) : null;
	const stages = last
		? await rpc('sleep_stages', { account: account.id, day: last.day }).then((rows) => ({ rows: rows.filter((s) => s.sleep_id === last.sleep_id) }),
			(e) => ({ error: e }))
		: { rows: [] };

	const mounts = [];
	const grid = h('div', { class: 'grid' });
	grid.append(hypnogramCard(last, stages, tz, mounts,
		last ? csvLink('sleep_stages', { account: account.id, day: last.day }, csvName('sleep-stages', last.day)) : null),
		perNightCard(main, r, mounts, csvLink('sleep_nights', range, csvName('sleep-nights', r.start, r.end))),
		regularityCard(main, r, mounts, csvLink('sleep_nights', range, csvName('sleep-times', r.start, r.end))),
		nightsTable(nights, tz, ctx, csvLink('sleep_nights', range, csvName('sleep-nights', r.start, r.end))));
	return { nodes: [head, stateNote(account, ctx), tiles(last, main, r), grid], mounted: () => mounts.forEach((m) => m()) };
}

function tiles(last, main, r) {
	const asleep = main.filter((n) => n.minutes_asleep !== null).map((n) => n.minutes_asleep);
	const bed = main.map((n) => bedMinutes(n.bedtime)), wake = main.map((n) => clockMinutes(n.wake_time));
	const swatch = (k) => h('i', { style: { background: `var(${STAGES[stageKey(k)].color})` } });
	return h('section', { id: 'sleep-summary', 'aria-label': 'Last night and the range in figures', 'data-day': last?.day ?? '' },
		h('div', { class: 'tiles' },
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, last ? `Last night (${fmt.day(last.day)})` : 'Last night'),
				h('span', { class: 'value' }, last ? datum('minutes_asleep', last.minutes_asleep, fmt.hm(last.minutes_asleep)) : '–'),
				last ? h('span', { class: 'sub' }, 'asleep, ', h('b', {}, datum('bedtime', last.bedtime, clockText(clockMinutes(last.bedtime)))),
					' – ', h('b', {}, datum('wake_time', last.wake_time, clockText(clockMinutes(last.wake_time))))) : null),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Last night\'s stages (min)'),
				last ? h('span', { class: 'sub stage-mins' }, STAGED.map((k) => h('span', {}, swatch(k), `${STAGES[stageKey(k)].label} `,
					h('b', {}, datum(`${k}_minutes`, last[`${k}_minutes`]))))) : h('span', { class: 'sub' }, '–')),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, `Asleep on average, ${main.length} night${main.length === 1 ? '' : 's'}`),
				h('span', { class: 'value' }, datum('avg_minutes_asleep', mean(asleep), fmt.hm(mean(asleep)))),
				h('span', { class: 'sub' }, `over ${r.days} days`)),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Regularity (standard deviation)'),
				h('span', { class: 'sub' }, 'bedtime ± ', h('b', {}, datum('bedtime_sd', stddev(bed), minutesText(stddev(bed))))),
				h('span', { class: 'sub' }, 'wake time ± ', h('b', {}, datum('wake_time_sd', stddev(wake), minutesText(stddev(wake))))))));
}

const minutesText = (m) => (m === null ? '–' : `${Math.round(m)} min`);

// The night as a stepped line: a stage holds from its start to the next.
function hypnogramCard(last, stages, tz, mounts, download) {
	const body = h('div');
	const c = card('Last night', { wide: true, id: 'hypnogram-card',
		extra: download,
		desc: last ? `The stages of the night that ended on ${fmt.dayLong(last.day)}, ${fmt.time(last.start_at, tz)} to ${fmt.time(last.end_at, tz)}.`
			: 'Only naps in this range.' }, body);
	if (!last) return c;
	if (stages.error) {
		body.append(errorBox(stages.error));
		return c;
	}
	const rows = stages.rows;
	c.dataset.stages = String(rows.length);
	if (!rows.length) {
		body.append(h('p', { class: 'empty', id: 'no-stages' }, 'No stages for this night: its source sent only the totals.'));
		return c;
	}
	const classic = rows.some((s) => s.stage === 'ASLEEP' || s.stage === 'RESTLESS');
	const labels = classic ? ['', '', 'Asleep', 'Restless', 'Awake'] : ['', 'Deep', 'Light', 'REM', 'Awake'];
	const used = [...new Set(rows.map((s) => s.stage))];
	body.prepend(h('div', { class: 'key' }, Object.keys(STAGES).filter((k) => used.includes(k))
		.map((k) => keyItem(STAGES[k].label, cssVar(STAGES[k].color)))));
	// Each stage's start, then the end of the last one.
	const x = rows.map((s) => Date.parse(s.start_at) / 1000);
	const y = rows.map((s) => STAGES[s.stage]?.level ?? null);
	x.push(Date.parse(rows[rows.length - 1].end_at) / 1000);
	y.push(y[y.length - 1]);
	mounts.push(() => timeChart(body, {
		label: `Hypnogram of the night ending ${fmt.dayLong(last.day)}: ${rows.length} stages`,
		x, tz, height: 200, yMin: classic ? 1.5 : 0.5, yMax: 4.5, ySplits: classic ? [2, 3, 4] : [1, 2, 3, 4], ySize: 64,
		yFmt: (v) => labels[v] ?? '',
		series: [{ label: 'Stage', values: y, color: cssVar('--deep'), kind: 'steps', width: 2 }],
		before: (u) => {
			for (const k of Object.keys(STAGES).filter((s) => used.includes(s))) {
				const l = STAGES[k].level;
				hBand(u, l - 0.35, l + 0.35, alpha(cssVar(STAGES[k].color), 0.16));
			}
		},
		readout: (i) => {
			if (i === null || i >= rows.length) {
				return [`${rows.length} stages · `, h('b', {}, fmt.time(last.start_at, tz)), ' to ', h('b', {}, fmt.time(last.end_at, tz))];
			}
			const s = rows[i];
			return [h('b', {}, `${fmt.time(s.start_at, tz)}–${fmt.time(s.end_at, tz)}`), ` · ${STAGES[s.stage]?.label ?? s.stage}`,
				` · ${fmt.hm((Date.parse(s.end_at) - Date.parse(s.start_at)) / 60000)}`];
		},
	}));
	return c;
}

// Nights as stacked bars of their stages, in hours; a night without stages
// is one bar of its time asleep.
function perNightCard(main, r, mounts, download) {
	const body = h('div');
	const c = card('Sleep per night', { id: 'nights-card', extra: download,
		desc: 'Hours per night, stacked: deep, light, REM and awake. A night whose source sent no stages is one bar of its time asleep.' },
	h('div', { class: 'key' }, STAGED.map((k) => keyItem(STAGES[stageKey(k)].label, cssVar(STAGES[stageKey(k)].color))),
		keyItem('Asleep (no stages)', cssVar('--asleep'))), body);
	if (!main.length) {
		body.append(h('p', { class: 'empty' }, 'Only naps in this range.'));
		return c;
	}
	// One bar per day: the day's main sleeps added up.
	const byDay = new Map();
	for (const n of main) {
		const d = byDay.get(n.day) || { day: n.day, asleep: 0, staged: false, deep: 0, light: 0, rem: 0, awake: 0 };
		d.asleep += n.minutes_asleep ?? 0;
		if (n.deep_minutes !== null || n.light_minutes !== null || n.rem_minutes !== null) {
			d.staged = true;
			for (const k of STAGED) d[k] += n[`${k}_minutes`] ?? 0;
		}
		byDay.set(n.day, d);
	}
	const days = [...byDay.values()];
	const hours = (m) => m / 60;
	const stack = (d, n) => (d.staged ? hours(STAGED.slice(0, n).reduce((a, k) => a + d[k], 0)) : null);
	mounts.push(() => timeChart(body, {
		label: `Hours of sleep per night by stage, ${fmt.dayLong(r.start)} to ${fmt.dayLong(r.end)}`,
		daily: true, yZero: true, x: days.map((d) => dayEpoch(d.day)), yFmt: (v) => `${v} h`,
		// Drawn tallest first so each bar covers the one below: a stack without a plugin.
		series: [
			{ label: 'Awake', values: days.map((d) => stack(d, 4)), color: cssVar('--awake'), kind: 'bars' },
			{ label: 'REM', values: days.map((d) => stack(d, 3)), color: cssVar('--rem'), kind: 'bars' },
			{ label: 'Light', values: days.map((d) => stack(d, 2)), color: cssVar('--light-sleep'), kind: 'bars' },
			{ label: 'Deep', values: days.map((d) => stack(d, 1)), color: cssVar('--deep'), kind: 'bars' },
			{ label: 'Asleep', values: days.map((d) => (d.staged ? null : hours(d.asleep))), color: cssVar('--asleep'), kind: 'bars' },
		],
		readout: (i) => {
			const d = days[i ?? days.length - 1];
			return [h('b', {}, fmt.day(d.day)), `: ${fmt.hm(d.asleep)} asleep`,
				d.staged ? ` · deep ${d.deep} · light ${d.light} · REM ${d.rem} · awake ${d.awake} min` : ''];
		},
	}));
	return c;
}

// Bedtime and wake time of each night on a clock axis, each with a band of
// its mean ± one standard deviation.
function regularityCard(main, r, mounts, download) {
	const body = h('div');
	const bed = main.map((n) => bedMinutes(n.bedtime)), wake = main.map((n) => clockMinutes(n.wake_time));
	const bm = mean(bed), bs = stddev(bed), wm = mean(wake), ws = stddev(wake);
	const c = card('Bedtime and wake time', { id: 'regularity-card', extra: download,
		desc: 'Each night\'s bedtime and wake time on the clock; the bands are their mean ± one standard deviation over the range. The narrower, the more regular.' },
	h('div', { class: 'key' }, keyItem('Bedtime', cssVar('--bedtime'), 'dot'), keyItem('Wake time', cssVar('--waketime'), 'dot'),
		keyItem('Mean ± 1 sd', cssVar('--band'))), body,
	h('p', { class: 'regularity' },
		h('span', {}, 'Bedtime ', h('b', {}, datum('bedtime_mean', bm, clockText(bm))), ' ± ', h('b', {}, datum('bedtime_sd', bs, minutesText(bs)))),
		h('span', {}, 'Wake time ', h('b', {}, datum('wake_time_mean', wm, clockText(wm))), ' ± ', h('b', {}, datum('wake_time_sd', ws, minutesText(ws)))),
		h('span', {}, h('b', {}, main.length), ` night${main.length === 1 ? '' : 's'}`)));
	if (!main.length) return c;
	const x = main.map((n) => dayEpoch(n.day));
	// The clock axis in whole hours, every second hour over a long night.
	const yMin = Math.floor((Math.min(...bed, ...wake) - 30) / 60) * 60, yMax = Math.ceil((Math.max(...bed, ...wake) + 30) / 60) * 60;
	const step = yMax - yMin > 8 * 60 ? 120 : 60;
	const splits = [];
	for (let v = Math.ceil(yMin / step) * step; v <= yMax; v += step) splits.push(v);
	mounts.push(() => timeChart(body, {
		label: `Bedtime and wake time per night, ${fmt.dayLong(r.start)} to ${fmt.dayLong(r.end)}`,
		daily: true, x, height: 240, yMin, yMax, ySplits: splits,
		yFmt: (v) => clockText(v), ySize: 52,
		series: [
			{ label: 'Bedtime', values: bed, color: cssVar('--bedtime'), kind: 'points' },
			{ label: 'Wake time', values: wake, color: cssVar('--waketime'), kind: 'points' },
		],
		before: (u) => {
			if (bs !== null) hBand(u, bm - bs, bm + bs, cssVar('--band'), `bedtime ${clockText(bm)} ± ${minutesText(bs)}`);
			if (ws !== null) hBand(u, wm - ws, wm + ws, cssVar('--band'), `wake time ${clockText(wm)} ± ${minutesText(ws)}`);
		},
		readout: (i) => {
			if (i === null) return ['Bedtime ', h('b', {}, clockText(bm)), ' ± ', minutesText(bs), ' · wake time ', h('b', {}, clockText(wm)), ' ± ', minutesText(ws)];
			const n = main[i];
			return [h('b', {}, fmt.day(n.day)), `: bedtime ${clockText(bed[i])} · wake time ${clockText(wake[i])}`];
		},
	}));
	return c;
}

function nightsTable(nights, tz, ctx, download) {
	return card('The nights', { wide: true, id: 'nights-table', extra: download,
		desc: 'Every session of the range, newest first, naps included. Stage minutes come from the stages where the source sent them, otherwise from its own summary.' },
	h('details', { class: 'numbers' }, h('summary', {}, `${nights.length} session${nights.length === 1 ? '' : 's'}`),
		h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, ['Night of', 'Bedtime', 'Wake time', 'Asleep', 'Deep', 'Light', 'REM', 'Awake', 'In bed']
				.map((t, i) => h('th', { scope: 'col', class: i < 3 ? 'text' : null }, t)))),
			h('tbody', {}, [...nights].reverse().map((n) => h('tr', { 'data-id': n.sleep_id, 'data-day': n.day, 'data-nap': String(n.nap) },
				h('th', { scope: 'row', class: 'text' }, h('a', { href: ctx.href('day', n.day) }, fmt.day(n.day)), n.nap ? ' (nap)' : ''),
				h('td', { class: 'text' }, datum('bedtime', n.bedtime, clockText(clockMinutes(n.bedtime)))),
				h('td', { class: 'text' }, datum('wake_time', n.wake_time, clockText(clockMinutes(n.wake_time)))),
				h('td', {}, datum('minutes_asleep', n.minutes_asleep, fmt.hm(n.minutes_asleep))),
				STAGED.map((k) => h('td', {}, datum(`${k}_minutes`, n[`${k}_minutes`]))),
				h('td', {}, datum('minutes_in_period', n.minutes_in_period, fmt.hm(n.minutes_in_period))))))))));
}
