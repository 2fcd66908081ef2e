import type { ReactNode } from 'react';
import { Layout } from 'react-admin';
import { CiteMenu } from './CiteMenu';

export const CiteLayout = ({ children }: { children: ReactNode }) => <Layout menu={CiteMenu}>{children}</Layout>;
