// Heart-rate zones as each source names them.  The api gives a day's
// minutes as zone1..zone4, lowest first, with zone_names (the Google Health
// API: light, moderate, vigorous, peak; Fitbit files and Tracker's default
// zones: out of range, fat burn, cardio, peak) and the minutes below the
// lowest zone; together they are the day's worn minutes.

// Colours of the four zones, lowest first (style.css).
export const ZONE_COLORS = ['--oor', '--fat', '--cardio', '--peak'];

const FITBIT = ['out_of_range', 'fat_burn', 'cardio', 'peak'];

// "out_of_range" -> "Out of range"; "below_zones" -> "Below zones".
export function zoneLabel(name) {
	const s = String(name).replace(/_/g, ' ');
	return s.charAt(0).toUpperCase() + s.slice(1);
}

// The four zones' labels over some rows (each with zone_names): a range
// whose days are named two ways shows both names, "Moderate / Fat burn".
export function zoneLabels(rows) {
	const seen = [[], [], [], []];
	for (const r of rows) {
		(r.zone_names || []).forEach((n, i) => { if (i < 4 && !seen[i].includes(n)) seen[i].push(n); });
	}
	return seen.map((names, i) => (names.length ? names : [FITBIT[i]]).map(zoneLabel).join(' / '));
}

// Whose zones a day has, for "Tracker / <source>" headings.
export function zoneSource(scheme) {
	return scheme === 'google_health' ? 'Google' : 'Fitbit';
}
