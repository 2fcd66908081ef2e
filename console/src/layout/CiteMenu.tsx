import AssignmentTurnedInIcon from '@mui/icons-material/AssignmentTurnedIn';
import DescriptionIcon from '@mui/icons-material/Description';
import ForumIcon from '@mui/icons-material/Forum';
import LanguageIcon from '@mui/icons-material/Language';
import PeopleIcon from '@mui/icons-material/People';
import PolicyIcon from '@mui/icons-material/Policy';
import SyncIcon from '@mui/icons-material/Sync';
import ThumbsUpDownIcon from '@mui/icons-material/ThumbsUpDown';
import VpnKeyIcon from '@mui/icons-material/VpnKey';
import { Menu, usePermissions, useTranslate } from 'react-admin';
import { roleAtLeast } from '../dataProvider/session';

/** The menu follows the role: agents see Ask only; evaluators add review; admins everything. */
export function CiteMenu() {
  const { permissions } = usePermissions<string>();
  const translate = useTranslate();
  const evaluator = roleAtLeast(permissions, 'evaluator');
  const admin = roleAtLeast(permissions, 'admin');
  return (
    <Menu>
      {evaluator && <Menu.DashboardItem primaryText={translate('cite.menu.dashboard')} />}
      <Menu.Item to="/ask" primaryText={translate('cite.menu.ask')} leftIcon={<ForumIcon />} />
      {evaluator && (
        <Menu.Item to="/answers" primaryText={translate('cite.menu.review')} leftIcon={<AssignmentTurnedInIcon />} />
      )}
      {evaluator && <Menu.ResourceItem name="feedback" leftIcon={<ThumbsUpDownIcon />} />}
      {evaluator && <Menu.ResourceItem name="eval-sets" />}
      {evaluator && <Menu.ResourceItem name="eval-runs" />}
      {admin && <Menu.ResourceItem name="sources" leftIcon={<LanguageIcon />} />}
      {admin && <Menu.ResourceItem name="crawl-runs" leftIcon={<SyncIcon />} />}
      {admin && <Menu.ResourceItem name="documents" leftIcon={<DescriptionIcon />} />}
      {admin && <Menu.ResourceItem name="synonyms" />}
      {admin && <Menu.ResourceItem name="api-keys" leftIcon={<VpnKeyIcon />} />}
      {admin && <Menu.ResourceItem name="users" leftIcon={<PeopleIcon />} />}
      {admin && <Menu.ResourceItem name="audit-log" leftIcon={<PolicyIcon />} />}
    </Menu>
  );
}
