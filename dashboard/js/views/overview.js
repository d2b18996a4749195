// Overview: the latest day's figures, trends over a range, and a year.
import { rpc, errorBox, csvLink, csvName } from '../api.js';
import { h, svg, fmt, card, datum, keyItem, cssVar, addDays, mondayOf, daysBetween, dayEpoch, today, validDay } from '../dom.js';
import { timeChart, hLine } from '../charts.js';
import { stateNote } from './pipeline.js';
import { ZONE_COLORS, zoneLabel, zoneLabels, zoneSource } from '../zones.js';

const RANGES = [30, 90, 180, 365];

export async function overview(ctx) {
	const { account, route } = ctx;
	const days = RANGES.includes(Number(route.params.get('days'))) ? Number(route.params.get('days')) : 90;
	const end = validDay(route.params.get('end')) ? route.params.get('end') : account.data_up_to || today();
	const start = addDays(end, -(days - 1));
	const yearStart = addDays(end, -364);
	const id = account.id;

	// The year feeds the tiles, the table and the calendar; a failure here is the page's.
	const range = { account: id, start_date: start, end_date: end };
	const year = { account: id, start_date: yearStart, end_date: end };
	const [daily, trend, zones, weekly, wear] = await Promise.allSettled([
		rpc('daily', year),
		rpc('resting_hr_trend', range),
		rpc('zone_minutes', range),
		rpc('weekly_zone_minutes', { ...range, start_date: mondayOf(start) }),
		rpc('wear_time', range),
	]);
	if (daily.status === 'rejected') throw daily.reason;
	const rows = daily.value;

	const head = h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, `Overview: ${account.name}`),
			h('p', {}, `${fmt.dayLong(start)} – ${fmt.dayLong(end)}`)),
		h('div', { class: 'controls' },
			h('span', { class: 'empty' }, 'Range'),
			h('nav', { class: 'seg', 'aria-label': 'Range' }, RANGES.map((n) =>
				h('a', { href: ctx.href('overview', null, { days: n, end: route.params.get('end') }), 'aria-current': n === days ? 'true' : null },
					n === 365 ? '1 year' : `${n} days`)))));

	if (!rows.some((r) => r.samples > 0 || r.reported_resting_hr !== null)) {
		return [head, stateNote(account, ctx), h('p', { class: 'note' }, 'No figures for this account between ',
			fmt.dayLong(yearStart), ' and ', fmt.dayLong(end), ' yet.')];
	}

	const latest = [...rows].reverse().find((r) => r.samples > 0) || rows[rows.length - 1];
	const trendRows = trend.status === 'fulfilled' ? trend.value : [];
	const weekRows = weekly.status === 'fulfilled' ? weekly.value : [];
	const nodes = [head, stateNote(account, ctx), tiles(latest, trendRows, weekRows, ctx)];

	const cards = h('div', { class: 'grid' });
	const mounts = [];
	const chartCard = (settled, title, desc, key, draw, cid, download) => {
		const body = h('div');
		const c = card(title, { desc, id: cid, extra: csvLink(...download) }, key ? h('div', { class: 'key' }, key) : null, body);
		if (settled.status === 'rejected') body.append(errorBox(settled.reason));
		else if (!settled.value.length) body.append(h('p', { class: 'empty' }, 'No data in this range.'));
		else mounts.push(() => draw(body, settled.value));
		cards.append(c);
	};

	const color = (v) => cssVar(v);
	chartCard(trend, 'Resting heart rate', 'Beats per minute at rest, per day: Tracker\'s own figure, its 7-day average, and Fitbit\'s.',
		[keyItem('Tracker, daily', cssVar('--rhr'), 'dot'), keyItem('7-day average', cssVar('--rhr-avg'), 'line'),
			keyItem('Fitbit\'s own', cssVar('--provider'), 'dash')],
		(el, r) => timeChart(el, {
			label: `Resting heart rate per day, ${fmt.dayLong(start)} to ${fmt.dayLong(end)}`,
			daily: true, x: r.map((d) => dayEpoch(d.day)),
			series: [
				{ label: 'Tracker', values: r.map((d) => d.bpm), color: color('--rhr'), kind: 'points' },
				{ label: '7-day average', values: r.map((d) => (d.avg_7d === null ? null : Number(d.avg_7d))), color: color('--rhr-avg'), width: 2.5 },
				{ label: 'Fitbit', values: r.map((d) => d.reported_bpm), color: color('--provider'), dash: [5, 4], width: 1.5 },
			],
			readout: (i) => {
				const d = r[i ?? r.length - 1];
				return [h('b', {}, fmt.day(d.day)), `: Tracker ${fmt.n(d.bpm)} bpm · 7-day average ${fmt.n(d.avg_7d)} · Fitbit ${fmt.n(d.reported_bpm)}`];
			},
		}), 'rhr-card',
	['resting_hr_trend', range, csvName('resting-hr', start, end)]);

	// The three zones that earn Active Zone Minutes are stacked; the lowest
	// zone and the minutes below it (most of a day) are in the readout.
	const zoneNames = zones.status === 'fulfilled' ? zoneLabels(zones.value) : zoneLabels([]);
	const lc = (i) => zoneNames[i].toLowerCase();
	chartCard(zones, 'Minutes in heart-rate zones',
		`Per day, stacked: ${lc(1)}, ${lc(2)} and ${lc(3)}. The minutes in ${lc(0)} and below the zones are in the readout; with them, a day's minutes add up to its wear time.`,
		[1, 2, 3].map((i) => keyItem(zoneNames[i], cssVar(ZONE_COLORS[i]))),
		(el, r) => timeChart(el, {
			label: `Minutes in ${lc(1)}, ${lc(2)} and ${lc(3)} zones per day, ${fmt.dayLong(start)} to ${fmt.dayLong(end)}`,
			daily: true, yZero: true, x: r.map((d) => dayEpoch(d.day)),
			// Drawn tallest first so each bar covers the one below: a stack without a plugin.
			series: [
				{ label: zoneNames[3], values: r.map((d) => d.zone2 + d.zone3 + d.zone4), color: color(ZONE_COLORS[3]), kind: 'bars' },
				{ label: zoneNames[2], values: r.map((d) => d.zone2 + d.zone3), color: color(ZONE_COLORS[2]), kind: 'bars' },
				{ label: zoneNames[1], values: r.map((d) => d.zone2), color: color(ZONE_COLORS[1]), kind: 'bars' },
			],
			readout: (i) => {
				const d = r[i ?? r.length - 1];
				const n = d.zone_names.map(zoneLabel).map((x) => x.toLowerCase());
				return [h('b', {}, fmt.day(d.day)), `: ${n[1]} ${d.zone2} · ${n[2]} ${d.zone3} · ${n[3]} ${d.zone4} min`,
					` (${n[0]} ${d.zone1} · below zones ${d.below_zones}) · `, h('b', {}, `${d.active_zone_minutes} AZM`)];
			},
		}), 'zones-card',
	['zone_minutes', range, csvName('zone-minutes', start, end)]);

	chartCard(weekly, 'Weekly Active Zone Minutes',
		`${zoneNames[1]} minutes count once, ${lc(2)} and ${lc(3)} minutes twice; the goal is 150 a week.`,
		[keyItem('Goal met', cssVar('--goal-met')), keyItem('Below goal', cssVar('--goal-below')), keyItem('Goal: 150', cssVar('--ink'), 'dash')],
		(el, r) => {
			const goal = r[0]?.goal ?? 150;
			const thisWeek = mondayOf(end);
			return timeChart(el, {
				label: `Active Zone Minutes per week against the goal of ${goal}`,
				daily: true, yZero: true, x: r.map((w) => dayEpoch(w.week_start) + 3 * 86400),
				yMax: Math.max(goal * 1.25, ...r.map((w) => w.active_zone_minutes * 1.1)),
				series: [
					{ label: 'Goal met', values: r.map((w) => (w.active_zone_minutes >= w.goal ? w.active_zone_minutes : null)), color: color('--goal-met'), kind: 'bars' },
					{ label: 'Below goal', values: r.map((w) => (w.active_zone_minutes < w.goal ? w.active_zone_minutes : null)), color: color('--goal-below'), kind: 'bars' },
				],
				after: (u) => hLine(u, goal, cssVar('--ink'), `goal ${goal}`),
				readout: (i) => {
					const w = r[i ?? r.length - 1];
					const n = w.zone_names.map(zoneLabel).map((x) => x.toLowerCase());
					return [h('b', {}, `Week of ${fmt.day(w.week_start)}`), w.week_start === thisWeek ? ' (so far)' : '',
						`: ${w.active_zone_minutes} AZM = ${n[1]} ${w.zone2} + 2 × (${n[2]} ${w.zone3} + ${n[3]} ${w.zone4}) · `,
						w.active_zone_minutes >= w.goal ? 'goal met' : `${w.goal - w.active_zone_minutes} short of ${w.goal}`];
				},
			});
		}, 'weekly-card',
	['weekly_zone_minutes', { ...range, start_date: mondayOf(start) }, csvName('weekly-zone-minutes', mondayOf(start), end)]);

	chartCard(wear, 'Wear time', 'Hours per day with at least one heart-rate sample in the minute.',
		[keyItem('Hours worn', cssVar('--wear'))],
		(el, r) => timeChart(el, {
			label: `Hours worn per day, ${fmt.dayLong(start)} to ${fmt.dayLong(end)}`,
			daily: true, yZero: true, yMax: 24, x: r.map((d) => dayEpoch(d.day)),
			series: [{ label: 'Worn', values: r.map((d) => d.minutes / 60), color: color('--wear'), kind: 'bars' }],
			yFmt: (v) => `${v} h`,
			readout: (i) => {
				const d = r[i ?? r.length - 1];
				return [h('b', {}, fmt.day(d.day)), `: ${fmt.hm(d.minutes)} worn`];
			},
		}), 'wear-card',
	['wear_time', range, csvName('wear-time', start, end)]);

	const dailyCsv = () => csvLink('daily', year, csvName('daily', yearStart, end));
	cards.append(calendar(rows, yearStart, end, ctx, dailyCsv()), recentTable(rows, ctx, dailyCsv()));
	nodes.push(cards);
	return { nodes, mounted: () => mounts.forEach((m) => m()) };
}

function tiles(d, trendRows, weekRows, ctx) {
	const t = trendRows.find((x) => x.day === d.day);
	const week = weekRows.find((w) => w.week_start === mondayOf(d.day));
	const names = (d.zone_names || ['out_of_range', 'fat_burn', 'cardio', 'peak']).map((n) => zoneLabel(n).toLowerCase());
	const inZones = (d.zone2_minutes ?? 0) + (d.zone3_minutes ?? 0) + (d.zone4_minutes ?? 0);
	const pct = week ? Math.min(100, Math.round((100 * week.active_zone_minutes) / week.goal)) : 0;
	return h('section', { 'aria-labelledby': 'latest-h', id: 'latest', 'data-day': d.day },
		h('h2', { id: 'latest-h', class: 'visually-hidden' }, 'Latest day'),
		h('p', { class: 'empty', style: { margin: '0 0 8px' } }, 'Latest day with data: ',
			h('a', { href: ctx.href('day', d.day) }, fmt.dayLong(d.day))),
		h('div', { class: 'tiles' },
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Resting heart rate'),
				h('span', { class: 'value' }, datum('resting_hr', d.resting_hr), h('small', {}, 'bpm')),
				h('span', { class: 'sub' }, 'Fitbit\'s own: ', h('b', {}, datum('reported_resting_hr', d.reported_resting_hr)),
					t ? [' · 7-day average: ', h('b', {}, fmt.n(t.avg_7d))] : null)),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Active Zone Minutes'),
				h('span', { class: 'value' }, datum('active_zone_minutes', d.active_zone_minutes)),
				week ? h('span', { class: 'sub' }, 'This week: ', h('b', {}, datum('week_active_zone_minutes', week.active_zone_minutes)),
					` of ${week.goal}`) : null,
				week ? h('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': week.goal,
					'aria-valuenow': week.active_zone_minutes, 'aria-label': 'Weekly goal' }, h('span', { style: { width: pct + '%' } })) : null),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, `Minutes in ${names[1]}, ${names[2]}, ${names[3]}`),
				h('span', { class: 'value' }, fmt.int(inZones), h('small', {}, 'min')),
				h('span', { class: 'sub' }, `${names[1]} `, h('b', {}, datum('zone2_minutes', d.zone2_minutes)),
					` · ${names[2]} `, h('b', {}, datum('zone3_minutes', d.zone3_minutes)),
					` · ${names[3]} `, h('b', {}, datum('zone4_minutes', d.zone4_minutes))),
				h('span', { class: 'sub' }, `${names[0]} `, h('b', {}, datum('zone1_minutes', d.zone1_minutes)),
					' · below zones ', h('b', {}, datum('below_zone_minutes', d.below_zone_minutes)))),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Wear time'),
				h('span', { class: 'value' }, datum('wear_minutes', d.wear_minutes, fmt.hm(d.wear_minutes))),
				h('span', { class: 'sub' }, h('b', {}, datum('samples', d.samples, fmt.int(d.samples))), ' heart-rate samples'))));
}

// A year as a calendar: one square per day, weeks as columns.
const METRICS = {
	azm: { label: 'Active Zone Minutes', value: (r) => r.active_zone_minutes, cuts: [1, 15, 30, 60],
		legend: ['0', '1–14', '15–29', '30–59', '60+'], unit: 'AZM' },
	wear: { label: 'Wear time', value: (r) => (r.samples > 0 ? r.wear_minutes : null), cuts: [360, 720, 1080, 1320],
		legend: ['< 6 h', '6–12 h', '12–18 h', '18–22 h', '22 h +'], unit: 'min worn', text: (v) => fmt.hm(v) + ' worn' },
	rhr: { label: 'Resting heart rate', value: (r) => r.resting_hr, cuts: null, unit: 'bpm' },
};

function calendar(rows, start, end, ctx, download) {
	const byDay = new Map(rows.map((r) => [r.day, r]));
	const holder = h('div', { class: 'heat' });
	const legend = h('div', { class: 'heat-legend' });
	let metric = localStorage.getItem('tracker.heat') in METRICS ? localStorage.getItem('tracker.heat') : 'azm';
	const select = h('select', { 'aria-label': 'Calendar shows', onchange: (e) => { metric = e.target.value; localStorage.setItem('tracker.heat', metric); draw(); } },
		Object.entries(METRICS).map(([k, m]) => h('option', { value: k, selected: k === metric }, m.label)));

	function draw() {
		const m = METRICS[metric];
		let cuts = m.cuts, labels = m.legend;
		if (!cuts) {	// resting HR: the person's own range, in fifths
			const v = rows.map(m.value).filter((x) => x !== null).sort((a, b) => a - b);
			const q = (p) => v[Math.min(v.length - 1, Math.floor(p * v.length))] ?? 0;
			cuts = [q(0.2), q(0.4), q(0.6), q(0.8)];
			labels = [`< ${cuts[0]}`, `${cuts[0]}–${cuts[1] - 1}`, `${cuts[1]}–${cuts[2] - 1}`, `${cuts[2]}–${cuts[3] - 1}`, `${cuts[3]} +`].map((s) => s + ' bpm');
		}
		const level = (v) => (v === null || v === undefined ? 'none' : 'l' + cuts.filter((c) => v >= c).length);
		const first = mondayOf(start);
		const weeks = Math.floor(daysBetween(first, end) / 7) + 1;
		const cell = 12, gap = 3, left = 30, top = 16;
		const W = left + weeks * (cell + gap), H = top + 7 * (cell + gap);
		let withData = 0;
		const g = [];
		// A month is named above the week holding its 1st (the first, partial
		// month only when it has room before the next name).
		const monthName = (iso) => new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' }).format(new Date(iso + 'T00:00:00Z'));
		const monthLabels = [];
		for (let w = 0; w < weeks; w++) {
			for (let k = 0; k < 7; k++) {
				const day = addDays(first, 7 * w + k);
				if (day.endsWith('-01') && day >= start && day <= end) monthLabels.push([w, monthName(day)]);
			}
		}
		if (!monthLabels.length || monthLabels[0][0] >= 3) monthLabels.unshift([0, monthName(start)]);
		for (const [w, name] of monthLabels) g.push(svg('text', { x: left + w * (cell + gap), y: 10 }, name));
		['Mon', '', 'Wed', '', 'Fri', '', ''].forEach((d, i) => d && g.push(svg('text', { x: 0, y: top + i * (cell + gap) + 10 }, d)));
		for (let i = 0; i <= daysBetween(first, end); i++) {
			const day = addDays(first, i);
			if (day < start) continue;
			const r = byDay.get(day);
			const v = r ? m.value(r) : null;
			if (v !== null && v !== undefined) withData++;
			const text = `${fmt.dayLong(day)}: ${v === null || v === undefined ? 'no data' : m.text ? m.text(v) : `${v} ${m.unit}`}`;
			g.push(svg('a', { href: ctx.href('day', day), 'aria-label': text },
				svg('rect', { x: left + Math.floor(i / 7) * (cell + gap), y: top + (i % 7) * (cell + gap), width: cell, height: cell,
					class: level(v), 'data-day': day, 'data-value': v ?? '' }, svg('title', {}, text))));
		}
		holder.replaceChildren(svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'group',
			'aria-label': `Calendar of ${m.label.toLowerCase()} from ${fmt.dayLong(start)} to ${fmt.dayLong(end)}: ${withData} days with data. Each day links to its page.` }, g));
		legend.replaceChildren(h('span', {}, h('i', { style: { border: `1px solid ${cssVar('--line')}` } }), 'no data'),
			...labels.map((l, i) => h('span', {}, h('i', { style: { background: cssVar(`--heat${i}`) } }), l)));
	}
	draw();
	return card('A year at a glance', { wide: true, id: 'calendar-card', extra: [select, download],
		desc: 'Each square is a day; pick a day to see it. Darker means more.' }, holder, legend);
}

// Tracker's figures beside Fitbit's, for the last two weeks: the numbers behind the charts.
function recentTable(rows, ctx, download) {
	const recent = rows.filter((r) => r.samples > 0 || r.reported_resting_hr !== null).slice(-14).reverse();
	const names = zoneLabels(recent);
	const source = [...new Set(recent.map((r) => zoneSource(r.zone_scheme)))].join(' / ') || 'Fitbit';
	const pair = (f, r) => h('td', {}, datum(f, r[f]), h('span', { class: 'prov' }, ' / ', datum('reported_' + f, r['reported_' + f])));
	return card(`Last 14 days: Tracker / ${source}`, { wide: true, id: 'recent-card', extra: download,
		desc: `Each cell shows Tracker's figure, then ${source}'s own after the slash. Zones are named as each day's source names them; the zones and the minutes below them add up to the time worn.` },
	h('div', { class: 'table-wrap' }, h('table', {},
		h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, 'Resting HR (bpm)'),
			[1, 2, 3, 0].map((i) => h('th', { scope: 'col', 'data-zone': `zone${i + 1}` }, `${names[i]} (min)`)),
			h('th', { scope: 'col' }, 'Below zones (min)'), h('th', { scope: 'col' }, 'AZM'), h('th', { scope: 'col' }, 'Worn'))),
		h('tbody', {}, recent.map((r) => h('tr', { 'data-day': r.day, 'data-zone-scheme': r.zone_scheme ?? '' },
			h('th', { scope: 'row', class: 'text' }, h('a', { href: ctx.href('day', r.day) }, fmt.day(r.day))),
			h('td', {}, datum('resting_hr', r.resting_hr), h('span', { class: 'prov' }, ' / ', datum('reported_resting_hr', r.reported_resting_hr))),
			pair('zone2_minutes', r), pair('zone3_minutes', r), pair('zone4_minutes', r), pair('zone1_minutes', r),
			h('td', {}, datum('below_zone_minutes', r.below_zone_minutes)),
			h('td', {}, datum('active_zone_minutes', r.active_zone_minutes)),
			h('td', {}, datum('wear_minutes', r.wear_minutes, fmt.hm(r.wear_minutes)))))))));
}
