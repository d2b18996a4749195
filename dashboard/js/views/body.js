// Body: weight and body fat per day with a measurement (the day's last),
// weight with its 7-day mean.
import { rpc, csvLink, csvName } from '../api.js';
import { h, fmt, card, datum, keyItem, cssVar, dayEpoch } from '../dom.js';
import { timeChart } from '../charts.js';
import { stateNote } from './pipeline.js';
import { rangeOf, rangeHead } from '../range.js';

export const EMPTY_BODY = 'No weight or body fat yet: connect a Google Health account with the health metrics and measurements scope (a scale, or weight entered in the app), or import a Fitbit export (its weight and body-fat files).';

const num = (v) => (v === null || v === undefined ? null : Number(v));
const kg = (v) => (v === null || v === undefined ? '–' : fmt.one(Number(v)));

export async function body(ctx) {
	const { account } = ctx;
	const r = rangeOf(ctx);
	const range = { account: account.id, from_day: r.start, to_day: r.end };
	const rows = await rpc('body', range);
	const head = rangeHead(ctx, 'body', 'Body', r);
	if (!rows.length) {
		return [head, stateNote(account, ctx), h('section', { class: 'note', id: 'no-body' },
			h('p', {}, `No weight or body fat between ${fmt.dayLong(r.start)} and ${fmt.dayLong(r.end)}.`),
			h('p', { class: 'empty' }, EMPTY_BODY))];
	}
	const weights = rows.filter((d) => d.weight_kg !== null);
	const fats = rows.filter((d) => d.body_fat_pct !== null);
	const mounts = [];
	const csv = (what) => csvLink('body', range, csvName(what, r.start, r.end));
	const grid = h('div', { class: 'grid' },
		weightCard(weights, r, mounts, csv('weight')), fatCard(fats, r, mounts, csv('body-fat')), table(rows, csv('body')));
	return { nodes: [head, stateNote(account, ctx), tiles(weights, fats), grid], mounted: () => mounts.forEach((f) => f()) };
}

function tiles(weights, fats) {
	const last = weights[weights.length - 1], first = weights[0];
	const change = last && first && last !== first ? Number(last.weight_kg) - Number(first.weight_kg) : null;
	const lastFat = fats[fats.length - 1];
	return h('section', { id: 'body-summary', 'aria-label': 'The latest measurements' }, h('div', { class: 'tiles' },
		h('div', { class: 'card tile', 'data-day': last?.day ?? '' }, h('span', { class: 'label' }, 'Weight'),
			h('span', { class: 'value' }, datum('weight_kg', last ? last.weight_kg : null, kg(last?.weight_kg)), h('small', {}, 'kg')),
			h('span', { class: 'sub' }, last ? [fmt.day(last.day), ' · 7-day mean ', h('b', {}, datum('weight_kg_7d', last.weight_kg_7d, kg(last.weight_kg_7d)))]
				: 'none in this range')),
		h('div', { class: 'card tile' }, h('span', { class: 'label' }, 'Change over the range'),
			h('span', { class: 'value' }, datum('weight_change_kg', change === null ? null : Math.round(change * 10) / 10,
				change === null ? '–' : `${change > 0 ? '+' : ''}${fmt.one(change)}`), h('small', {}, 'kg')),
			h('span', { class: 'sub' }, first && last ? `${fmt.day(first.day)} to ${fmt.day(last.day)}, ${weights.length} days weighed` : '–')),
		h('div', { class: 'card tile', 'data-day': lastFat?.day ?? '' }, h('span', { class: 'label' }, 'Body fat'),
			h('span', { class: 'value' }, datum('body_fat_pct', lastFat ? lastFat.body_fat_pct : null, kg(lastFat?.body_fat_pct)), h('small', {}, '%')),
			h('span', { class: 'sub' }, lastFat ? fmt.day(lastFat.day) : 'none in this range'))));
}

function weightCard(weights, r, mounts, download) {
	const body = h('div');
	const c = card('Weight', { id: 'weight-card', extra: download, desc: 'Kilograms, the day\'s last weighing, with the mean of the days weighed in the 7 days to each.' },
		h('div', { class: 'key' }, keyItem('Weight', cssVar('--weight'), 'dot'), keyItem('7-day mean', cssVar('--weight-avg'), 'line')), body);
	if (!weights.length) {
		body.append(h('p', { class: 'empty' }, 'No weight in this range.'));
		return c;
	}
	mounts.push(() => timeChart(body, {
		label: `Weight per day, ${fmt.dayLong(r.start)} to ${fmt.dayLong(r.end)}: ${weights.length} days weighed`,
		daily: true, x: weights.map((d) => dayEpoch(d.day)), yFmt: (v) => `${v} kg`, ySize: 56,
		series: [
			{ label: 'Weight', values: weights.map((d) => num(d.weight_kg)), color: cssVar('--weight'), kind: 'points' },
			{ label: '7-day mean', values: weights.map((d) => num(d.weight_kg_7d)), color: cssVar('--weight-avg'), width: 2.5 },
		],
		readout: (i) => {
			const d = weights[i ?? weights.length - 1];
			return [h('b', {}, fmt.day(d.day)), `: ${kg(d.weight_kg)} kg · 7-day mean ${kg(d.weight_kg_7d)} kg`];
		},
	}));
	return c;
}

function fatCard(fats, r, mounts, download) {
	const body = h('div');
	const c = card('Body fat', { id: 'body-fat-card', extra: download, desc: 'Percent of body weight, the day\'s last reading.' },
		h('div', { class: 'key' }, keyItem('Body fat', cssVar('--body-fat'), 'line')), body);
	if (!fats.length) {
		body.append(h('p', { class: 'empty' }, 'No body fat in this range.'));
		return c;
	}
	mounts.push(() => timeChart(body, {
		label: `Body fat per day, ${fmt.dayLong(r.start)} to ${fmt.dayLong(r.end)}: ${fats.length} readings`,
		daily: true, x: fats.map((d) => dayEpoch(d.day)), yFmt: (v) => `${v} %`,
		series: [{ label: 'Body fat', values: fats.map((d) => num(d.body_fat_pct)), color: cssVar('--body-fat'), width: 2 }],
		readout: (i) => {
			const d = fats[i ?? fats.length - 1];
			return [h('b', {}, fmt.day(d.day)), `: ${kg(d.body_fat_pct)} % body fat`];
		},
	}));
	return c;
}

function table(rows, download) {
	return card('The measurements', { wide: true, id: 'body-table', extra: download, desc: 'Days with a measurement, newest first.' },
		h('details', { class: 'numbers' }, h('summary', {}, `${rows.length} day${rows.length === 1 ? '' : 's'}`),
			h('div', { class: 'table-wrap' }, h('table', {},
				h('thead', {}, h('tr', {}, ['Day', 'Weight (kg)', '7-day mean (kg)', 'Body fat (%)'].map((t, i) => h('th', { scope: 'col', class: i ? null : 'text' }, t)))),
				h('tbody', {}, [...rows].reverse().map((d) => h('tr', { 'data-day': d.day },
					h('th', { scope: 'row', class: 'text' }, fmt.day(d.day)),
					h('td', {}, datum('weight_kg', d.weight_kg, kg(d.weight_kg))),
					h('td', {}, datum('weight_kg_7d', d.weight_kg_7d, kg(d.weight_kg_7d))),
					h('td', {}, datum('body_fat_pct', d.body_fat_pct, kg(d.body_fat_pct))))))))));
}
