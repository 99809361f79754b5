import { channel } from 'node:diagnostics_channel'
import type { TokensEvent } from './events.js'

/**
 * The `node:diagnostics_channel` name on which every core instance publishes each of its events
 * (the same objects `onEvent` receives: never a raw token), for loggers and APM agents that cannot
 * reach the options. Published only while someone subscribes.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel'
 * import { TOKENS_EVENT_CHANNEL, type TokensEvent } from '@tokens/core'
 * subscribe(TOKENS_EVENT_CHANNEL, (message) => {
 *   const event = message as TokensEvent
 *   if (event.type === 'verify' && event.outcome === 'rejected') console.warn('token refused', event.code)
 * })
 * ```
 */
export const TOKENS_EVENT_CHANNEL = 'tokens:event'

/**
 * The `node:diagnostics_channel` name on which each `TokenError` and `GraphApiError` is published as
 * it is created (messages never hold a raw token): for error tracking, and for tests that check it.
 *
 * @example
 * ```ts
 * import { subscribe } from 'node:diagnostics_channel'
 * import { TOKENS_ERROR_CHANNEL } from '@tokens/core'
 * subscribe(TOKENS_ERROR_CHANNEL, (error) => {
 *   console.debug('tokens error:', (error as Error).message)
 * })
 * ```
 */
export const TOKENS_ERROR_CHANNEL = 'tokens:error'

const events = channel(TOKENS_EVENT_CHANNEL)
const errors = channel(TOKENS_ERROR_CHANNEL)

/** Whether anyone listens on {@link TOKENS_EVENT_CHANNEL}: events are built only for listeners. */
export function eventChannelActive(): boolean {
  return events.hasSubscribers
}

/** Publishes an event on {@link TOKENS_EVENT_CHANNEL} when someone listens. */
export function publishEvent(event: TokensEvent): void {
  if (events.hasSubscribers) events.publish(event)
}

/** Publishes a new error on {@link TOKENS_ERROR_CHANNEL} when someone listens. */
export function publishError(error: Error): void {
  if (errors.hasSubscribers) errors.publish(error)
}
