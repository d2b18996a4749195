// Listening: Last.fm scrobbles and ListenBrainz listens of a range of local
// days: headline figures, listens and distinct artists per day, the most
// played artists and tracks, and a week × hour heat map in the account's
// local time.  Names come from the services as typed by people (CJK, emoji,
// quotes, markup-like text): they go into the page as text only.
import { rpc, errorBox, csvLink, csvName } from '../api.js';
import { h, svg, fmt, card, datum, keyItem, cssVar, addDays, dayEpoch, today, validDay } from '../dom.js';
import { timeChart } from '../charts.js';
import { stateNote } from './pipeline.js';
import { providerLabel } from '../accounts.js';

const RANGES = [30, 90, 180, 365];
const TOP = 10;
const DOW = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const hh = (n) => String(n).padStart(2, '0');
const hourSpan = (hour) => `${hh(hour)}:00–${hh((hour + 1) % 24)}:00`;
const plural = (n, one, many = one + 's') => `${fmt.int(n)} ${n === 1 ? one : many}`;

export async function listening(ctx) {
	const { account, route } = ctx;
	const days = RANGES.includes(Number(route.params.get('days'))) ? Number(route.params.get('days')) : 90;
	const latest = account.data_up_to || today();
	const end = validDay(route.params.get('end')) ? route.params.get('end') : latest;
	const start = addDays(end, -(days - 1));
	const tz = account.time_zone || 'UTC';
	const range = { account: account.id, start_date: start, end_date: end };

	// The headline figures are the page's; the other cards show their own errors.
	const [summary, perDay, artists, tracks, heat] = await Promise.allSettled([
		rpc('listening_summary', range),
		rpc('listening', range),
		rpc('top_artists', { ...range, n: TOP }),
		rpc('top_tracks', { ...range, n: TOP }),
		rpc('listening_heatmap', range),
	]);
	if (summary.status === 'rejected') throw summary.reason;
	const s = summary.value[0] || { listens: 0, artists: 0, tracks: 0, days_with_listens: 0 };

	const endParam = route.params.get('end');
	const later = addDays(end, days);
	const head = h('div', { class: 'page-head' },
		h('div', {}, h('h1', {}, `Listening: ${account.name}`),
			h('p', {}, `${fmt.dayLong(start)} – ${fmt.dayLong(end)} · ${providerLabel(account.provider)} · times in ${tz}`)),
		h('div', { class: 'controls' },
			h('nav', { class: 'seg', 'aria-label': 'Range' }, RANGES.map((n) =>
				h('a', { href: ctx.href('listening', null, { days: n, end: endParam }), 'aria-current': n === days ? 'true' : null },
					n === 365 ? '1 year' : `${n} days`))),
			h('nav', { class: 'controls', 'aria-label': 'Earlier or later' },
				h('a', { class: 'button', rel: 'prev', href: ctx.href('listening', null, { days, end: addDays(end, -days) }) }, '← Earlier'),
				end < latest
					? h('a', { class: 'button', rel: 'next', href: ctx.href('listening', null, { days, end: later < latest ? later : null }) }, 'Later →')
					: null)));

	if (!s.listens) {
		return [head, stateNote(account, ctx), h('p', { class: 'note', id: 'no-listens' }, 'No listens between ',
			fmt.dayLong(start), ' and ', fmt.dayLong(end), account.data_up_to ? '.'
				: ['. Nothing is synced for this account yet: queue its history in psql with ',
					h('code', {}, `SELECT tracker.backfill('[${addDays(today(), -365)},${today()})', ${account.id});`),
					' and watch it under ', h('a', { href: ctx.href('pipeline') }, 'Pipeline'), '.'])];
	}

	const topArtist = artists.status === 'fulfilled' ? artists.value[0] : null;
	const topTrack = tracks.status === 'fulfilled' ? tracks.value[0] : null;
	const tiles = h('section', { id: 'listening-summary', 'aria-label': 'The range in figures', 'data-start': start, 'data-end': end },
		h('div', { class: 'tiles' },
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Listens'),
				h('span', { class: 'value' }, datum('listens', s.listens, fmt.int(s.listens))),
				h('span', { class: 'sub' }, h('b', {}, fmt.one(s.listens / days)), ' a day on average')),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Artists'),
				h('span', { class: 'value' }, datum('artists', s.artists, fmt.int(s.artists))),
				topArtist ? h('span', { class: 'sub clip', title: topArtist.artist }, 'most played: ', h('b', {}, topArtist.artist)) : null),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Tracks'),
				h('span', { class: 'value' }, datum('tracks', s.tracks, fmt.int(s.tracks))),
				topTrack ? h('span', { class: 'sub clip', title: `${topTrack.track} – ${topTrack.artist}` }, 'most played: ', h('b', {}, topTrack.track)) : null),
			h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Days with listens'),
				h('span', { class: 'value' }, datum('days_with_listens', s.days_with_listens), h('small', {}, `of ${days}`)),
				h('span', { class: 'sub' }, 'first ', h('b', {}, datum('first_day', s.first_day, fmt.day(s.first_day))),
					' · last ', h('b', {}, datum('last_day', s.last_day, fmt.day(s.last_day)))))));

	const mounts = [];
	const grid = h('div', { class: 'grid' });
	const csv = (fn, args, what) => csvLink(fn, args, csvName(what, start, end));
	grid.append(perDayCard(perDay, start, days, mounts, csv('listening', range, 'listens-per-day')),
		topCard(artists, 'Top artists', 'top-artists', ['Artist'], (r) => [h('span', { class: 'name', 'data-field': 'artist' }, r.artist)],
			csv('top_artists', { ...range, n: TOP }, 'top-artists')),
		topCard(tracks, 'Top tracks', 'top-tracks', ['Track'], (r) => [h('span', { class: 'name', 'data-field': 'track' }, r.track),
			h('span', { class: 'by', 'data-field': 'artist' }, r.artist)], csv('top_tracks', { ...range, n: TOP }, 'top-tracks')),
		heatCard(heat, tz, start, end, csv('listening_heatmap', range, 'listening-heatmap')));
	return { nodes: [head, stateNote(account, ctx), tiles, grid], mounted: () => mounts.forEach((m) => m()) };
}

// Listens per day as bars (a day without listens is a zero, not a gap) and
// distinct artists per day as a line, with the numbers in a table below.
function perDayCard(settled, start, days, mounts, download) {
	const body = h('div');
	const c = card('Listens per day', { wide: true, id: 'per-day-card', extra: download,
		desc: 'Bars: listens per local day; days without listens are zero. Line: distinct artists that day.' },
	h('div', { class: 'key' }, keyItem('Listens', cssVar('--listen')), keyItem('Distinct artists', cssVar('--artists'), 'line')), body);
	if (settled.status === 'rejected') {
		body.append(errorBox(settled.reason));
		return c;
	}
	const byDay = new Map(settled.value.map((r) => [r.day, r]));
	const rows = Array.from({ length: days }, (_, i) => {
		const day = addDays(start, i);
		const r = byDay.get(day);
		return { day, listens: r ? r.listens : 0, artists: r ? r.artists : 0 };
	});
	mounts.push(() => timeChart(body, {
		label: `Listens and distinct artists per day, ${fmt.dayLong(rows[0].day)} to ${fmt.dayLong(rows[rows.length - 1].day)}`,
		daily: true, yZero: true, x: rows.map((r) => dayEpoch(r.day)),
		series: [
			{ label: 'Listens', values: rows.map((r) => r.listens), color: cssVar('--listen'), kind: 'bars' },
			{ label: 'Distinct artists', values: rows.map((r) => r.artists), color: cssVar('--artists'), width: 2 },
		],
		readout: (i) => {
			const r = rows[i ?? rows.length - 1];
			return [h('b', {}, fmt.day(r.day)), `: ${plural(r.listens, 'listen')} · ${plural(r.artists, 'artist')}`];
		},
	}));
	c.append(h('details', { class: 'numbers', id: 'per-day-table' }, h('summary', {}, 'The numbers per day'),
		h('div', { class: 'table-wrap' }, h('table', {},
			h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), h('th', { scope: 'col' }, 'Listens'), h('th', { scope: 'col' }, 'Distinct artists'))),
			h('tbody', {}, [...rows].reverse().map((r) => h('tr', { 'data-day': r.day },
				h('th', { scope: 'row', class: 'text' }, fmt.day(r.day)),
				h('td', {}, datum('listens', r.listens)), h('td', {}, datum('artists', r.artists)))))))));
	return c;
}

// A ranked list: rank, the name(s), listens with a bar against the first.
function topCard(settled, title, id, cols, cells, download) {
	const c = card(title, { id, extra: download, desc: `The ${TOP} most played in the range, most listens first.` });
	if (settled.status === 'rejected') c.append(errorBox(settled.reason));
	else if (!settled.value.length) c.append(h('p', { class: 'empty' }, 'No listens in this range.'));
	else {
		const most = settled.value[0].listens || 1;
		c.append(h('div', { class: 'table-wrap' }, h('table', { class: 'ranked' },
			h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'), cols.map((t) => h('th', { scope: 'col', class: 'text' }, t)),
				h('th', { scope: 'col' }, 'Listens'))),
			h('tbody', {}, settled.value.map((r, i) => h('tr', { 'data-rank': i + 1 },
				h('td', { class: 'rank' }, i + 1),
				h('th', { scope: 'row', class: 'text names' }, cells(r),
					h('span', { class: 'meter', 'aria-hidden': 'true' }, h('span', { style: { width: `${(100 * r.listens) / most}%` } }))),
				h('td', {}, datum('listens', r.listens))))))));
	}
	return c;
}

// Listens by day of the week (rows, Monday first) and local clock hour
// (columns): 168 squares, darker for more, with each row's total.
function heatCard(settled, tz, start, end, download) {
	const readout = h('div', { class: 'readout', 'aria-live': 'off' }, '\u00a0');
	const c = card('Week × hour', { wide: true, id: 'heat-card', extra: download,
		desc: `Listens by day of the week and hour of the day, in the account's local time (${tz}), ${fmt.dayLong(start)} to ${fmt.dayLong(end)}.` }, readout);
	if (settled.status === 'rejected') {
		c.append(errorBox(settled.reason));
		return c;
	}
	const grid = Array.from({ length: 7 }, () => new Array(24).fill(0));
	for (const r of settled.value) if (r.dow >= 1 && r.dow <= 7 && r.hour >= 0 && r.hour < 24) grid[r.dow - 1][r.hour] = r.listens;
	const all = grid.flat();
	const max = Math.max(...all);
	const level = (v) => (v <= 0 || max <= 0 ? 0 : Math.max(1, Math.ceil((4 * v) / max)));
	const cellText = (d, hour) => `${DOW[d]} ${hourSpan(hour)}: ${plural(grid[d][hour], 'listen')}`;

	const cw = 24, ch = 17, gap = 3, left = 34, top = 16, right = 52;
	const W = left + 24 * (cw + gap) + right, H = top + 7 * (ch + gap);
	const g = [];
	for (let hour = 0; hour < 24; hour += 3) g.push(svg('text', { x: left + hour * (cw + gap), y: 10 }, hh(hour)));
	g.push(svg('text', { x: W, y: 10, 'text-anchor': 'end' }, 'total'));
	grid.forEach((row, d) => {
		const y = top + d * (ch + gap);
		g.push(svg('text', { x: 0, y: y + 12 }, DOW[d].slice(0, 3)));
		row.forEach((v, hour) => g.push(svg('rect', { x: left + hour * (cw + gap), y, width: cw, height: ch, class: `l${level(v)}`,
			'data-dow': d + 1, 'data-hour': hour, 'data-value': v }, svg('title', {}, cellText(d, hour)))));
		g.push(svg('text', { x: W, y: y + 12, 'text-anchor': 'end', class: 'total', 'data-dow': d + 1 },
			fmt.int(row.reduce((a, b) => a + b, 0))));
	});

	// The busiest hour of the week and the busiest day, in words.
	let best = [0, 0];
	grid.forEach((row, d) => row.forEach((v, hour) => { if (v > grid[best[0]][best[1]]) best = [d, hour]; }));
	const perDow = grid.map((row) => row.reduce((a, b) => a + b, 0));
	const perHour = Array.from({ length: 24 }, (_, hour) => grid.reduce((a, row) => a + row[hour], 0));
	const topDow = perDow.indexOf(Math.max(...perDow)), topHour = perHour.indexOf(Math.max(...perHour));
	const summary = max > 0
		? `Busiest hour of the week: ${cellText(best[0], best[1])}. Busiest day: ${DOW[topDow]} (${plural(perDow[topDow], 'listen')}); busiest hour of the day: ${hourSpan(topHour)} (${plural(perHour[topHour], 'listen')}).`
		: 'No listens in this range.';

	const pic = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `Listens by day of the week and hour, local time (${tz}). ${summary}` }, g);
	const show = (e) => {
		const r = e.target.closest?.('rect');
		readout.replaceChildren(r ? h('span', {}, h('b', {}, `${DOW[r.dataset.dow - 1]} ${hourSpan(Number(r.dataset.hour))}`),
			`: ${plural(Number(r.dataset.value), 'listen')}`) : '\u00a0');
	};
	pic.addEventListener('mousemove', show);
	pic.addEventListener('mouseleave', show);

	// Level k holds the counts above (k - 1)/4 of the largest, up to k/4 of it.
	const steps = [1, 2, 3, 4].map((k) => [k, Math.floor((max * (k - 1)) / 4) + 1, Math.floor((max * k) / 4)]).filter(([, lo, hi]) => hi >= lo);
	const legend = h('div', { class: 'heat-legend' },
		h('span', {}, h('i', { class: 'l0' }), '0'),
		steps.map(([k, lo, hi]) => h('span', {}, h('i', { class: `l${k}` }), lo === hi ? `${lo}` : `${lo}–${hi}`)),
		h('span', {}, 'listens in the hour, over the range'));

	c.append(h('div', { class: 'weekhours' }, pic), legend, h('p', { class: 'caption', id: 'heat-caption' }, summary),
		h('details', { class: 'numbers', id: 'heat-table' }, h('summary', {}, 'The numbers as a table'),
			h('div', { class: 'table-wrap' }, h('table', { class: 'compact' },
				h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), Array.from({ length: 24 }, (_, i) => h('th', { scope: 'col' }, hh(i))))),
				h('tbody', {}, grid.map((row, d) => h('tr', { 'data-dow': d + 1 }, h('th', { scope: 'row', class: 'text' }, DOW[d].slice(0, 3)),
					row.map((v) => h('td', {}, v)))))))));
	return c;
}
