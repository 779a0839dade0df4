/** @heed/tasks: task pipelines, metrics, data readers and the heed CLI. */
export {};
