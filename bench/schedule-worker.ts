/** Worker thread entry: runs one schedule job (bundled by `schedule.ts`, run by plain node). */
import { parentPort, workerData } from 'node:worker_threads';
import { runScheduleJob, type ScheduleJob } from './schedule-job.ts';

parentPort?.postMessage(runScheduleJob(workerData as ScheduleJob));
