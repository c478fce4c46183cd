/**
 * The package's main entry (`import { MailPartnerStatusSync } from
 * 'mailpartner-status-sync'`): the construct with its props and helpers, and
 * the ready-made stack. The event catalog for consumers is the separate
 * `mailpartner-status-sync/catalog` entry (shared/catalog/consumer.ts), which
 * needs no CDK.
 */
export * from './mailpartner-status-sync.ts';
export * from './mailpartner-status-sync-stack.ts';
