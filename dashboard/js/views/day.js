// Day: every heart-rate sample of one local day over its zones, with the
// watch-off gaps left empty, and the day's figures beside Fitbit's.
import { rpc, errorBox, csvLink, csvName } from '../api.js';
import { h, fmt, card, datum, keyItem, cssVar, alpha, addDays, today, validDay, zonedMidnight } from '../dom.js';
import { timeChart, hBand, vBand } from '../charts.js';
import { stateNote } from './pipeline.js';
import { ZONE_COLORS, zoneLabel, zoneSource } from '../zones.js';

// Samples further apart than this are a gap: the watch was off the wrist.
const GAP_SECONDS = 5 * 60;

// The day's four zones, lowest first, named as the day's source names them.
const zonesOf = (names) => (names || ['out_of_range', 'fat_burn', 'cardio', 'peak']).map((name, i) =>
	({ name, label: zoneLabel(name), color: ZONE_COLORS[i], column: `zone${i + 1}_minutes` }));

const withAlpha = alpha;

export async function day(ctx) {
	const { account, route } = ctx;
	const d = route.arg || account.data_up_to || today();
	const id = account.id;
	const [hr, fig, ex, sl] = await Promise.allSettled([
		rpc('heart_rate_day', { account: id, day: d }),
		rpc('daily', { account: id, start_date: d, end_date: d }),
		rpc('exercises', { account: id, start_date: d, end_date: d }),
		validDay(d) ? rpc('sleep', { account: id, start_date: d, end_date: addDays(d, 1) }) : Promise.resolve([]),
	]);
	if (hr.status === 'rejected') throw hr.reason;
	const { t, bpm, zone_bounds: zb, time_zone: tz } = hr.value;
	const f = fig.status === 'fulfilled' ? fig.value[0] : hr.value.figures;
	const ZONES = zonesOf(hr.value.zone_names);
	const source = zoneSource(f?.zone_scheme);

	const go = (e) => { if (validDay(e.target.value)) location.hash = ctx.href('day', e.target.value); };
	const head = h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, fmt.dayLong(d)), h('p', {}, `${account.name} · times in ${tz}`)),
		h('nav', { class: 'controls daynav', 'aria-label': 'Days' },
			h('a', { class: 'button', href: ctx.href('day', addDays(d, -1)), rel: 'prev' }, '← ', h('span', {}, 'Previous day')),
			h('input', { type: 'date', value: d, 'aria-label': 'Day', onchange: go }),
			h('a', { class: 'button', href: ctx.href('day', addDays(d, 1)), rel: 'next' }, h('span', {}, 'Next day'), ' →')));

	// Gaps: a null point right after the last sample before each gap.
	const xs = [], ys = [], gaps = [];
	for (let i = 0; i < t.length; i++) {
		if (i > 0 && t[i] - t[i - 1] > GAP_SECONDS) {
			gaps.push([t[i - 1], t[i]]);
			xs.push(t[i - 1] + 1);
			ys.push(null);
		}
		xs.push(t[i]);
		ys.push(bpm[i]);
	}
	const dayStart = zonedMidnight(d, tz), dayEnd = zonedMidnight(addDays(d, 1), tz);
	if (t.length && t[0] - dayStart > GAP_SECONDS) gaps.unshift([dayStart, t[0]]);
	if (t.length && dayEnd - t[t.length - 1] > GAP_SECONDS) gaps.push([t[t.length - 1], dayEnd]);
	const offMinutes = Math.round(gaps.reduce((s, [a, b]) => s + (b - a), 0) / 60);

	const sleeps = sl.status === 'fulfilled' ? sl.value.filter((s) => Date.parse(s.end_at) / 1000 > dayStart && Date.parse(s.start_at) / 1000 < dayEnd) : [];
	const exercises = ex.status === 'fulfilled' ? ex.value : [];
	const zoneOf = (v) => {
		if (!zb || v === null) return null;
		const k = zb.slice(0, 4).filter((b) => v >= b).length;
		return k ? ZONES[k - 1].label.toLowerCase() : 'below the zones';
	};

	const chartBody = h('div');
	const chartCardEl = card('Heart rate', {
		wide: true, id: 'hr-card', extra: validDay(d) ? csvLink('heart_rate', { account: id, day: d }, csvName('heart-rate', d)) : null,
		desc: `Every sample of the day; the bands are the day's zones (${f?.zone_source === 'provider' ? `${source}'s bounds` : f?.zone_source === 'birth_date' ? 'Fitbit\'s defaults for the age from the birth date' : f?.zone_source === 'profile_age' ? 'Fitbit\'s defaults for the age in the profile' : 'none known'}). ` +
			'Empty stretches are times without samples for more than 5 minutes: the watch was off.',
	}, h('div', { class: 'key' }, keyItem('Heart rate', cssVar('--rhr'), 'line'),
		ZONES.map((z) => keyItem(z.label, withAlpha(cssVar(z.color), 0.35))),
		keyItem('Sleep', cssVar('--sleep')), keyItem('Watch off', cssVar('--gap'))), chartBody);
	chartCardEl.dataset.samples = String(t.length);
	chartCardEl.dataset.gaps = String(gaps.length);

	const nodes = [head, stateNote(account, ctx)];
	if (fig.status === 'rejected') nodes.push(errorBox(fig.reason));
	const downloads = validDay(d) ? [csvLink('exercises', { account: id, start_date: d, end_date: d }, csvName('exercises', d), 'Exercise CSV'),
		csvLink('sleep', { account: id, start_date: d, end_date: addDays(d, 1) }, csvName('sleep', d, addDays(d, 1)), 'Sleep CSV')] : null;
	nodes.push(figures(f, zb, ZONES, source), h('div', { class: 'grid' }, chartCardEl, sessions(exercises, sleeps, tz, ctx, downloads)));

	const mounted = () => {
		if (!t.length) {
			chartBody.append(h('p', { class: 'empty' }, 'No heart-rate samples on this day.'));
			return;
		}
		const lo = Math.min(...bpm), hi = Math.max(...bpm);
		timeChart(chartBody, {
			label: `Heart rate on ${fmt.dayLong(d)}: ${t.length} samples from ${lo} to ${hi} bpm, ${gaps.length} gaps`,
			x: xs, tz, height: 300, xRange: [dayStart, dayEnd],
			yMin: Math.max(20, Math.min(40, lo - 5)), yMax: Math.max(hi + 10, zb ? zb[3] + 15 : 0),
			series: [{ label: 'Heart rate', values: ys, color: cssVar('--rhr'), width: 1.25 }],
			before: (u) => {
				if (zb) ZONES.forEach((z, i) => hBand(u, zb[i], zb[i + 1], withAlpha(cssVar(z.color), i ? 0.16 : 0.1), `${z.label} ${zb[i]}${i === 3 ? '+' : `–${zb[i + 1] - 1}`}`));
				for (const s of sleeps) vBand(u, Date.parse(s.start_at) / 1000, Date.parse(s.end_at) / 1000, cssVar('--sleep'), s.nap ? 'nap' : 'sleep');
				for (const e of exercises) vBand(u, Date.parse(e.start_at) / 1000, Date.parse(e.end_at) / 1000, withAlpha(cssVar('--cardio'), 0.12), e.name || e.exercise_type);
				for (const [a, b] of gaps) vBand(u, a, b, cssVar('--gap'), 'watch off');
			},
			readout: (i) => {
				if (i === null || ys[i] === null) {
					return [`${fmt.int(t.length)} samples · lowest `, h('b', {}, lo), ', highest ', h('b', {}, hi), ' bpm'];
				}
				return [h('b', {}, fmt.time(xs[i] * 1000, tz)), ` · ${ys[i]} bpm`, zoneOf(ys[i]) ? ` (${zoneOf(ys[i])})` : ''];
			},
		});
		chartBody.append(h('p', { class: 'caption', id: 'gap-caption' }, gaps.length
			? `${gaps.length} gap${gaps.length > 1 ? 's' : ''} without samples, ${fmt.hm(offMinutes)} in all (longest ${fmt.hm(Math.round(Math.max(...gaps.map(([a, b]) => b - a)) / 60))}). Drag across the chart to zoom; double-click to zoom out.`
			: 'No gaps: the watch was worn all day. Drag across the chart to zoom; double-click to zoom out.'));
	};
	return { nodes, mounted };
}

function figures(f, zb, ZONES, source) {
	if (!f) return h('p', { class: 'note' }, 'No figures for this day.');
	const azm = f.active_zone_minutes ?? null;
	const bounds = (i) => (zb ? (i === 3 ? `${zb[3]}+` : `${zb[i]}–${zb[i + 1] - 1}`) : '–');
	const lc = (i) => ZONES[i].label.toLowerCase();
	const swatch = (color) => h('i', { style: { display: 'inline-block', width: '9px', height: '9px', borderRadius: '2px', background: color, marginRight: '6px' } });
	return h('section', { id: 'day-figures', 'data-day': f.day, 'data-zone-scheme': f.zone_scheme ?? '', 'aria-label': 'The day\'s figures' },
		h('div', { class: 'tiles' },
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Resting heart rate'),
				h('span', { class: 'value' }, datum('resting_hr', f.resting_hr), h('small', {}, 'bpm')),
				h('span', { class: 'sub' }, 'Fitbit\'s own: ', h('b', {}, datum('reported_resting_hr', f.reported_resting_hr)), ' bpm')),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Active Zone Minutes'),
				h('span', { class: 'value' }, datum('active_zone_minutes', azm)),
				h('span', { class: 'sub' }, `${lc(1)} + 2 × (${lc(2)} + ${lc(3)})`)),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Wear time'),
				h('span', { class: 'value' }, datum('wear_minutes', f.wear_minutes, fmt.hm(f.wear_minutes))),
				h('span', { class: 'sub' }, h('b', {}, datum('samples', f.samples, fmt.int(f.samples))), ' samples')),
			h('div', { class: 'card tile span2' }, h('span', { class: 'label' }, `Minutes in zones: Tracker / ${source}`),
				h('table', { id: 'zone-table' },
					h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Zone'), h('th', { scope: 'col' }, 'bpm'),
						h('th', { scope: 'col' }, 'Tracker'), h('th', { scope: 'col' }, source))),
					h('tbody', {},
						h('tr', { 'data-zone': 'below_zones' },
							h('th', { scope: 'row', class: 'text' }, swatch('transparent'), 'Below zones'),
							h('td', {}, zb ? `< ${zb[0]}` : '–'),
							h('td', {}, datum('below_zone_minutes', f.below_zone_minutes)),
							h('td', {}, '–')),
						ZONES.map((z, i) => h('tr', { 'data-zone': z.name },
							h('th', { scope: 'row', class: 'text' }, swatch(`var(${z.color})`), z.label),
							h('td', {}, bounds(i)),
							h('td', {}, datum(z.column, f[z.column])),
							h('td', {}, datum(`reported_${z.column}`, f[`reported_${z.column}`])))))),
				h('span', { class: 'sub' }, 'With the minutes below the zones, Tracker\'s minutes add up to the time worn: ',
					h('b', {}, datum('zone_total_minutes', f.below_zone_minutes === null ? null
						: f.below_zone_minutes + f.zone1_minutes + f.zone2_minutes + f.zone3_minutes + f.zone4_minutes,
					f.below_zone_minutes === null ? '–' : fmt.hm(f.below_zone_minutes + f.zone1_minutes + f.zone2_minutes + f.zone3_minutes + f.zone4_minutes)))))));
}

function sessions(exercises, sleeps, tz, ctx, downloads) {
	return card('Exercise and sleep', { id: 'sessions-card', wide: true, extra: downloads },
		h('ul', { class: 'list' },
			exercises.map((e) => h('li', {}, h('b', {}, `${fmt.time(e.start_at, tz)}–${fmt.time(e.end_at, tz)} ${e.name || e.exercise_type}`),
				` · ${fmt.duration(e.duration_s)}`, e.distance_km !== null ? ` · ${fmt.one(e.distance_km)} km` : '',
				e.avg_heart_rate ? ` · average ${e.avg_heart_rate} bpm` : '', ' · ', h('a', { href: ctx.href('activities') }, 'all activities'))),
			sleeps.map((s) => h('li', {}, h('b', {}, `${s.nap ? 'Nap' : 'Slept'} ${fmt.time(s.start_at, tz)}–${fmt.time(s.end_at, tz)}`),
				` · ${fmt.hm(s.minutes_asleep)} asleep`,
				s.stages ? ` (${Object.entries(s.stages).map(([k, v]) => `${k.toLowerCase()} ${v}`).join(', ')} min)` : ''))),
		!exercises.length && !sleeps.length ? h('p', { class: 'empty' }, 'No exercise or sleep recorded on this day.') : null);
}
