import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createTopicProviders } from './engine/engine.providers.js';
import type {
  MetaqueueModuleExtras,
  MetaqueueModuleOptions,
} from './metaqueue-options.interface.js';
import { METAQUEUE_MODULE_OPTIONS } from './metaqueue.tokens.js';

export const { ConfigurableModuleClass, ASYNC_OPTIONS_TYPE, OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<MetaqueueModuleOptions>({
    optionsInjectionToken: METAQUEUE_MODULE_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createMetaqueueOptions')
    .setExtras<MetaqueueModuleExtras>({ topics: [], isGlobal: false }, (definition, extras) => {
      const topicProviders = createTopicProviders(extras.topics);
      return {
        ...definition,
        global: extras.isGlobal,
        providers: [...(definition.providers ?? []), ...topicProviders],
        exports: [...(definition.exports ?? []), ...topicProviders.map((p) => p.provide)],
      };
    })
    .build();
