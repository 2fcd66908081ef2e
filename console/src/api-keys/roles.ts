export const ROLE_CHOICES = [
  { id: 'agent', name: 'cite.roles.agent' },
  { id: 'evaluator', name: 'cite.roles.evaluator' },
  { id: 'admin', name: 'cite.roles.admin' },
];
