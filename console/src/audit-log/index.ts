import PolicyIcon from '@mui/icons-material/Policy';
import { AuditLogList } from './AuditLogList';

export const auditLog = { list: AuditLogList, icon: PolicyIcon };
