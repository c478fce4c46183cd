/**
 * `npm run bench:schedule`: the schedule simulation alone (virtual time, the
 * provider's modelled delays, the product's own `decide`, priority, budget and
 * pressure code), one JSON line per load and policy.
 */
import { measureSchedule } from './schedule.ts';
import { scheduleLine } from './schedule-line.ts';

const summaries = await measureSchedule({ onlyDefaults: true });
for (const s of summaries) console.log(JSON.stringify(scheduleLine(s)));
