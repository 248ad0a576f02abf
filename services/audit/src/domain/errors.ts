/**
 * A failed call to a partner system (the middle office, the user system); `retryable: false` when
 * trying again cannot help (a 4xx). Thrown by the providers, told apart by the use cases.
 */
export class CallFailed extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'CallFailed';
  }
}

/**
 * A change that would make a second case stand for one order (the `one_active_per_order` unique
 * index refused it): the caller joins the case that stands instead. Thrown by the case repository.
 */
export class DuplicateActiveCase extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateActiveCase';
  }
}
