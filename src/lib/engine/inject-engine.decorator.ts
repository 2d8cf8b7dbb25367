import { Inject } from '@nestjs/common';
import type { Topic } from '../record/topic.interface.js';
import type { MetadataEngine } from './metadata-engine.js';
import type { TypedTopic } from './typed-topic.interface.js';
import { getEngineToken } from '../metaqueue.tokens.js';

/** `T` and `U` are the same type. */
type Same<T, U> = [T] extends [U] ? ([U] extends [T] ? true : false) : false;

/**
 * `@InjectEngine(typedTopic)`: a constructor parameter must be typed
 * `MetadataEngine<T>` with the topic's own `T`, else the decorator does not
 * compile (TS1239). On a property, it is not checked: TypeScript does not
 * show a decorator the type of a private property.
 */
export interface TypedEngineDecorator<T> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  <C extends abstract new (...args: any) => any, I extends number>(
    target: Same<ConstructorParameters<C>[I], MetadataEngine<T>> extends true ? C : never,
    propertyKey: undefined,
    parameterIndex: I,
  ): void;
  (target: object, propertyKey: string | symbol): void;
}

/** Injects the `MetadataEngine` of a topic declared in `MetaqueueModule.forRoot()`. */
export function InjectEngine<T>(topic: TypedTopic<T>): TypedEngineDecorator<T>;
export function InjectEngine(topic: Topic): ParameterDecorator & PropertyDecorator;
export function InjectEngine(
  topic: Topic | TypedTopic<unknown>,
): ParameterDecorator & PropertyDecorator {
  return Inject(getEngineToken(topic));
}
