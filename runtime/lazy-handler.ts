/**
 * Builds a Lambda handler on its first invocation rather than at import, so a
 * module can be imported (tests, bundle checks) without the environment a
 * deployed function has, while a warm function still builds it once.
 */
export function lazyHandler<E, C, R>(build: () => (event: E, context: C) => Promise<R>) {
  let built: ((event: E, context: C) => Promise<R>) | undefined;
  return (event: E, context: C): Promise<R> => {
    built ??= build();
    return built(event, context);
  };
}
