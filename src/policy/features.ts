// The segmentation features the feature store knows; the dictionary declares which are in use.
export const FEATURE_NAMES = [
  'age',
  'age_band',
  'area',
  'gender',
  'csp',
  'income',
  'channel_preference',
  'tenure_days',
  'recency_days',
  'frequency',
  'monetary',
  'avg_basket',
  'share_web',
  'share_store',
  'share_phone',
  'share_app',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

/** Features computed from transactions rather than sent on customer records. */
export const BEHAVIOUR_FEATURES: readonly FeatureName[] = [
  'recency_days',
  'frequency',
  'monetary',
  'avg_basket',
  'share_web',
  'share_store',
  'share_phone',
  'share_app',
];

export const CHANNELS = ['web', 'store', 'phone', 'app'] as const;
export type Channel = (typeof CHANNELS)[number];
