import { ContainerModule } from 'inversify';

/** The layers package's plugins (attention scorers by name), for `createHeed({ plugins })`. */
export const layersModule = new ContainerModule(() => {});
